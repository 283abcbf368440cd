import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { holdsSeveralCredentials } from '../../../shared/auth/bearer.js';
import type { TokenVerifier } from '../../../shared/auth/verify-token.js';
import { ApiError } from '../../../shared/http/api-error.js';
import { authenticate } from '../../../shared/http/authenticate.js';
import { statusOf } from '../../../shared/http/problem-response.js';
import type { Services } from '../../../shared/services.js';

describe('a repeated Authorization header', () => {
  it('reaches the app as one value joined with ", ", as @azure/functions HttpRequest headers.get gives it', () => {
    const headers = new Headers();
    headers.append('authorization', 'Bearer a.b.c');
    headers.append('authorization', 'Bearer d.e.f');
    const request = new HttpRequest({ method: 'GET', url: 'http://localhost/api/v1/tasks', headers: Object.fromEntries(headers) });
    expect(request.headers.get('authorization')).toBe('Bearer a.b.c, Bearer d.e.f');
    expect(holdsSeveralCredentials(request.headers.get('authorization'))).toBe(true);
    expect(holdsSeveralCredentials('Bearer a.b.c')).toBe(false);
    expect(holdsSeveralCredentials(null)).toBe(false);
  });

  it('is a 400 invalid_request naming the header, decided before any token is verified', async () => {
    let verified = 0;
    const tokenVerifier: TokenVerifier = {
      async verify() {
        verified += 1;
        return { ok: false, failure: { reason: 'invalid', detail: 'unused' } };
      },
    };
    const services = { tokenVerifier, directory: {} } as unknown as Pick<Services, 'tokenVerifier' | 'directory'>;
    const request = new HttpRequest({ method: 'GET', url: 'http://localhost/api/v1/tasks', headers: { authorization: 'Bearer a.b.c, Bearer d.e.f' } });
    const error = await authenticate(services, request, undefined).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(statusOf(error as ApiError)).toBe(400);
    expect((error as ApiError).options).toEqual({
      errors: [{ in: 'header', field: 'Authorization', message: 'must be sent once, holding one bearer token' }],
      headers: { 'WWW-Authenticate': 'Bearer realm="caseload", error="invalid_request"' },
    });
    expect(verified).toBe(0);
  });
});
