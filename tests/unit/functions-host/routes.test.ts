import { describe, expect, it } from 'vitest';
import { stripPrefix } from '../../../dev/functions-host/http-server.js';
import { parseRouteTemplate, RouteTable } from '../../../dev/functions-host/routes.js';

function table(...routes: Array<[template: string, methods: string[] | undefined, name: string]>): RouteTable<string> {
  const result = new RouteTable<string>();
  for (const [template, methods, name] of routes) result.add(template, methods, name);
  return result;
}

describe('route precedence', () => {
  it('prefers a literal segment over a parameter whichever is registered first', () => {
    for (const routes of [
      table(['v1/tasks/{id}', ['GET'], 'get'], ['v1/tasks/stats', ['GET'], 'stats']),
      table(['v1/tasks/stats', ['GET'], 'stats'], ['v1/tasks/{id}', ['GET'], 'get']),
    ]) {
      expect(routes.match('GET', '/v1/tasks/stats')).toEqual({ kind: 'match', target: 'stats', params: {} });
      expect(routes.match('GET', '/v1/tasks/42')).toEqual({ kind: 'match', target: 'get', params: { id: '42' } });
    }
  });

  it('prefers a constrained parameter over an unconstrained one, falling back when the constraint fails', () => {
    const routes = table(['items/{name}', ['GET'], 'by-name'], ['items/{id:int}', ['GET'], 'by-id']);
    expect(routes.match('GET', '/items/42')).toMatchObject({ target: 'by-id', params: { id: '42' } });
    expect(routes.match('GET', '/items/abc')).toMatchObject({ target: 'by-name', params: { name: 'abc' } });
  });

  it('ranks a plain parameter above a catch-all', () => {
    const routes = table(['files/{*path}', ['GET'], 'all'], ['files/{name}', ['GET'], 'one']);
    expect(routes.match('GET', '/files/a.txt')).toMatchObject({ target: 'one', params: { name: 'a.txt' } });
    expect(routes.match('GET', '/files/dir/a.txt')).toMatchObject({ target: 'all', params: { path: 'dir/a.txt' } });
  });

  it('falls through to a later route when an earlier one matches the path but not the method', () => {
    const routes = table(['v1/tasks/{id}', ['GET'], 'get'], ['v1/tasks/{id}', ['DELETE'], 'delete']);
    expect(routes.match('delete', '/v1/tasks/1')).toMatchObject({ kind: 'match', target: 'delete' });
  });
});

describe('route matching', () => {
  it('matches literals and methods case-insensitively and ignores a trailing slash', () => {
    const routes = table(['v1/Tasks', ['get'], 'list']);
    expect(routes.match('GET', '/V1/tasks/')).toMatchObject({ kind: 'match', target: 'list' });
  });

  it('answers method-not-allowed with every method registered for the path', () => {
    const routes = table(['things/{id}', ['GET'], 'get'], ['things/{id}', ['DELETE'], 'delete']);
    expect(routes.match('PATCH', '/things/1')).toEqual({ kind: 'method-not-allowed', allow: ['DELETE', 'GET'] });
    expect(routes.match('GET', '/other')).toEqual({ kind: 'not-found' });
  });

  it('accepts every method when methods is empty', () => {
    expect(table(['any', [], 'any']).match('OPTIONS', '/any')).toMatchObject({ kind: 'match' });
  });

  it('supports optional parameters and defaults', () => {
    const routes = table(['echo/{a}/{b?}', ['POST'], 'echo'], ['page/{n=1}', ['GET'], 'page']);
    expect(routes.match('POST', '/echo/x')).toEqual({ kind: 'match', target: 'echo', params: { a: 'x' } });
    expect(routes.match('POST', '/echo/x/y')).toEqual({ kind: 'match', target: 'echo', params: { a: 'x', b: 'y' } });
    expect(routes.match('POST', '/echo')).toEqual({ kind: 'not-found' });
    expect(routes.match('POST', '/echo/x/y/z')).toEqual({ kind: 'not-found' });
    expect(routes.match('GET', '/page')).toMatchObject({ params: { n: '1' } });
    expect(routes.match('GET', '/page/3')).toMatchObject({ params: { n: '3' } });
  });

  it('decodes route values per segment', () => {
    const routes = table(['users/{name}', ['GET'], 'user']);
    expect(routes.match('GET', '/users/a%20b%2Fc')).toMatchObject({ params: { name: 'a b/c' } });
  });

  it('enforces the common constraints', () => {
    const routes = table(['g/{id:guid}', ['GET'], 'guid'], ['n/{id:int:min(10)}', ['GET'], 'min'], ['r/{code:regex(^[A-Z]{{3}}$)}', ['GET'], 're']);
    expect(routes.match('GET', '/g/0f8fad5b-d9cb-469f-a165-70867728950e')).toMatchObject({ kind: 'match' });
    expect(routes.match('GET', '/g/not-a-guid')).toEqual({ kind: 'not-found' });
    expect(routes.match('GET', '/n/10')).toMatchObject({ kind: 'match' });
    expect(routes.match('GET', '/n/9')).toEqual({ kind: 'not-found' });
    expect(routes.match('GET', '/r/ABC')).toMatchObject({ kind: 'match', params: { code: 'ABC' } });
    expect(routes.match('GET', '/r/ABCD')).toEqual({ kind: 'not-found' });
  });

  it('matches complex segments, taking the last separator for the last parameter', () => {
    const routes = table(['files/{name}.{ext}', ['GET'], 'file']);
    expect(routes.match('GET', '/files/archive.tar.gz')).toMatchObject({ params: { name: 'archive.tar', ext: 'gz' } });
    expect(routes.match('GET', '/files/noext')).toEqual({ kind: 'not-found' });
  });

  it('rejects malformed templates with the template in the message', () => {
    expect(() => parseRouteTemplate('a/{id')).toThrow(/a\/\{id/);
    expect(() => parseRouteTemplate('a/{*rest}/b')).toThrow(/catch-all/);
    expect(() => parseRouteTemplate('a/{x}{y}')).toThrow(/literal between/);
  });
});

describe('route prefix', () => {
  it('strips the prefix case-insensitively and rejects paths outside it', () => {
    expect(stripPrefix('/api/v1/tasks', 'api')).toBe('/v1/tasks');
    expect(stripPrefix('/API/v1', 'api')).toBe('/v1');
    expect(stripPrefix('/api', 'api')).toBe('');
    expect(stripPrefix('/apiv1', 'api')).toBeUndefined();
    expect(stripPrefix('/v1/tasks', 'api')).toBeUndefined();
    expect(stripPrefix('/v1/tasks', '')).toBe('/v1/tasks');
  });
});
