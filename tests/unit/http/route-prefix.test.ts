import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTE_PREFIX, routeUrl } from '../../../shared/http/routes.js';

describe('ROUTE_PREFIX', () => {
  it('is the route prefix host.json gives the Functions host, so Location headers point where the host serves', () => {
    const hostJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'host.json'), 'utf8')) as { extensions: { http: { routePrefix: string } } };
    expect(ROUTE_PREFIX).toBe(hostJson.extensions.http.routePrefix);
    expect(routeUrl('tasksGet', { id: 'x' })).toBe(`/${hostJson.extensions.http.routePrefix}/v1/tasks/x`);
  });
});
