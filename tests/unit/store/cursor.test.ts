import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/auth/roles.js';
import { parseSettings, SettingsError, SETTING } from '../../../shared/config/settings.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { CursorCodec, cursorOwner } from '../../../shared/store/cursor.js';
import { buildTaskListQuery } from '../../../shared/store/task-query-builder.js';

const spec = buildTaskListQuery({}, { kind: 'all' }, 'dueDate', 'asc');
const otherSpec = buildTaskListQuery({ status: ['pending'] }, { kind: 'all' }, 'dueDate', 'asc');
const TOKEN = '{"token":"+RID:gAABAIAAAAEDAAAAAAAAAA==#RT:1#TRC:2","range":{"min":"","max":"FF"}}';

const manager: Principal = { userId: 'm-1', name: 'Manager', roles: ['manager'], workScope: { jurisdictions: ['IA', 'SSCS'], locations: [] } };
const owner = cursorOwner(manager);
const key = () => randomBytes(32);

/** The field errors of the 400 a decode throws; fails the test when it does not throw one. */
function refusal(decode: () => unknown): { field: string; message: string } {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe('validation');
    const [fieldError] = (error as AppError).options.errors ?? [];
    expect(fieldError).toMatchObject({ in: 'query', field: 'cursor' });
    return fieldError as { field: string; message: string };
  }
  return expect.unreachable('the cursor was accepted');
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('cursor MAC', () => {
  const codec = new CursorCodec([key()]);

  it('round-trips the continuation token for the same query and caller', () => {
    expect(codec.decode(codec.encode(spec, owner, TOKEN), spec, owner)).toBe(TOKEN);
    // The caller's roles and scope are compared as sets, not in the order the token listed them.
    const reordered = cursorOwner({ ...manager, workScope: { jurisdictions: ['SSCS', 'IA'], locations: [] } });
    expect(codec.decode(codec.encode(spec, owner, TOKEN), spec, reordered)).toBe(TOKEN);
  });

  it('refuses a cursor with any one character changed, in the payload or in the MAC', () => {
    const cursor = codec.encode(spec, owner, TOKEN);
    for (let i = 0; i < cursor.length; i++) {
      if (cursor[i] === '.') continue;
      // Two replacements per position: the next character of the alphabet, and one 32 further
      // (flips a high bit; also covers characters whose low bits base64 decoding would drop).
      for (const shift of [1, 32]) {
        const replacement = BASE64URL[(BASE64URL.indexOf(cursor[i]!) + shift) % 64]!;
        const tampered = `${cursor.slice(0, i)}${replacement}${cursor.slice(i + 1)}`;
        refusal(() => codec.decode(tampered, spec, owner));
      }
    }
  });

  it('refuses a cursor whose decoded payload has any byte changed, re-encoded under the original MAC', () => {
    const cursor = codec.encode(spec, owner, TOKEN);
    const [payload, mac] = cursor.split('.') as [string, string];
    const bytes = Buffer.from(payload, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const changed = Buffer.from(bytes);
      changed[i] = changed[i]! ^ 0x01;
      refusal(() => codec.decode(`${changed.toString('base64url')}.${mac}`, spec, owner));
    }
  });

  it('refuses a forged cursor: an unsigned one (the old format), a MAC under another key, garbage', () => {
    const unsigned = Buffer.from(JSON.stringify({ v: 1, q: 'x', t: TOKEN })).toString('base64url');
    const otherKey = new CursorCodec([key()]).encode(spec, owner, TOKEN);
    for (const forged of [unsigned, otherKey, 'not-a-cursor', '.', `${unsigned}.`, `${'A'.repeat(43)}`, `a.${'A'.repeat(44)}`]) {
      refusal(() => codec.decode(forged, spec, owner));
    }
  });

  it("refuses another caller's cursor, and the caller's own once their roles or work scope change", () => {
    const cursor = codec.encode(spec, owner, TOKEN);
    const others: Principal[] = [
      { ...manager, userId: 'm-2' },
      { ...manager, roles: ['manager', 'admin'] },
      { ...manager, workScope: { jurisdictions: ['IA'], locations: [] } },
      { ...manager, workScope: { jurisdictions: ['IA', 'SSCS'], locations: ['765324'] } },
      { userId: 'm-1', name: 'Manager', roles: ['manager'] },
    ];
    for (const other of others) {
      expect(refusal(() => codec.decode(cursor, spec, cursorOwner(other))).message).toMatch(/altered, issued to another caller/);
    }
  });

  it('refuses a genuine cursor reused with another query, saying so', () => {
    const cursor = codec.encode(otherSpec, owner, TOKEN);
    expect(refusal(() => codec.decode(cursor, spec, owner)).message).toMatch(/different query/);
  });

  it('rotates: signs with the first key, accepts every listed key, refuses a key once it is dropped', () => {
    const [oldKey, newKey] = [key(), key()];
    const before = new CursorCodec([oldKey]);
    const during = new CursorCodec([newKey, oldKey]);
    const after = new CursorCodec([newKey]);
    const issuedBefore = before.encode(spec, owner, TOKEN);
    expect(during.decode(issuedBefore, spec, owner)).toBe(TOKEN);
    const issuedDuring = during.encode(spec, owner, TOKEN);
    expect(after.decode(issuedDuring, spec, owner)).toBe(TOKEN);
    // A process that has not picked up the new key yet refuses what the new key signed: hence step one below.
    refusal(() => before.decode(issuedDuring, spec, owner));
    refusal(() => after.decode(issuedBefore, spec, owner));
    // Step one of a zero-refusal rotation: the new key is accepted everywhere before anyone signs with it.
    expect(new CursorCodec([oldKey, newKey]).decode(after.encode(spec, owner, TOKEN), spec, owner)).toBe(TOKEN);
  });
});

describe('CURSOR_KEYS setting', () => {
  const base = {
    [SETTING.cosmosEndpoint]: 'http://127.0.0.1:1',
    [SETTING.authIssuer]: 'http://127.0.0.1/issuer',
    [SETTING.authAudience]: 'api://tests',
    [SETTING.authJwksUri]: 'http://127.0.0.1/jwks',
  };
  const parse = (value: string | undefined) => parseSettings({ ...base, ...(value === undefined ? {} : { [SETTING.cursorKeys]: value }) });

  it('takes comma-separated base64 or base64url keys, current first', () => {
    const [a, b] = [key(), key()];
    const keys = parse(` ${a.toString('base64')} , ${b.toString('base64url')}`).cursorKeys;
    expect(keys.map((k) => k.toString('hex'))).toEqual([a.toString('hex'), b.toString('hex')]);
  });

  it('refuses a missing, short, malformed or unresolved value, naming the setting and never echoing it', () => {
    const short = randomBytes(16).toString('base64');
    const unresolved = '@Microsoft.KeyVault(SecretUri=https://kv-caseload.vault.azure.net/secrets/cursor-keys/)';
    for (const [value, message] of [
      [undefined, /CURSOR_KEYS: is required/],
      ['', /CURSOR_KEYS: key 1 must be base64 of at least 32/],
      [short, /key 1 must be base64/],
      [`${key().toString('base64')},not a key!`, /key 2 must be base64/],
      ['<base64 of 32 random bytes: openssl rand -base64 32>', /key 1 must be base64/],
      [unresolved, /unresolved Key Vault reference/],
      [Array.from({ length: 5 }, () => key().toString('base64')).join(','), /at most 4 keys/],
    ] as const) {
      let thrown: unknown;
      try {
        parse(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(value)).toBeInstanceOf(SettingsError);
      expect((thrown as Error).message).toMatch(message);
      if (value) for (const part of value.split(',')) expect((thrown as Error).message).not.toContain(part);
    }
  });
});
