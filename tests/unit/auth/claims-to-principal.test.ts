import { describe, expect, it } from 'vitest';
import { principalFromClaims } from '../../../shared/auth/claims-to-principal.js';

describe('principalFromClaims', () => {
  it('prefers oid over sub and name over preferred_username', () => {
    expect(principalFromClaims({ oid: 'object-id', sub: 'pairwise', name: 'Ada', preferred_username: 'ada@x', roles: ['admin'] })).toEqual({
      userId: 'object-id',
      name: 'Ada',
      roles: ['admin'],
    });
  });

  it('ignores an oid or name that is not a non-empty string', () => {
    expect(principalFromClaims({ oid: 42, sub: 'pairwise', name: '' })).toEqual({ userId: 'pairwise', name: undefined, roles: [] });
    expect(principalFromClaims({ oid: '  ', sub: 'pairwise', name: ['x'], preferred_username: 'u@x' })?.userId).toBe('pairwise');
  });

  it('returns undefined when nothing identifies the user', () => {
    expect(principalFromClaims({ sub: '' })).toBeUndefined();
    expect(principalFromClaims({ oid: 7 })).toBeUndefined();
  });

  it('keeps only known roles, once each, and ignores a roles claim that is not an array', () => {
    expect(principalFromClaims({ sub: 's', roles: ['manager', 'Admin', 3, null, 'manager', 'viewer'] })?.roles).toEqual(['manager', 'viewer']);
    expect(principalFromClaims({ sub: 's', roles: 'admin' })?.roles).toEqual([]);
  });
});
