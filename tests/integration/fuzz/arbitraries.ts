import fc from 'fast-check';
import { resolveSchema, type FuzzParameter, type FuzzTarget, type JsonSchema } from './targets.js';

/**
 * Generators of HTTP requests for one operation: mostly shaped like what the contract asks for
 * (so they get past authentication and parsing into the use cases), with hostile values mixed in
 * at every level: wrong types, ill-formed Unicode, huge and deeply nested values, prototype keys,
 * garbage bodies, repeated and malformed headers and parameters.
 *
 * Every family of hostile strings has a name (STRING_FAMILIES) so that one can be switched off
 * while its bug is being fixed elsewhere (KNOWN_UNFIXED in fuzz.test.ts): `<family>@body` leaves
 * it out of request bodies, `<family>@url` out of paths and query strings, `<family>` out of both.
 */

export interface FuzzRequest {
  method: string;
  /** Already percent-encoded, starting with /api/. */
  path: string;
  /** Header name/value pairs in order; a name may repeat. */
  headers: [string, string][];
  body?: Buffer;
}

/** Values the fuzzer knows exist, so requests reach past "not found" into the use cases. */
export interface FuzzWorld {
  /** `Bearer …` values, valid ones for each role first. */
  authorizations: string[];
  /** Known path parameter values by parameter name (task ids, user ids, case ids…). */
  known: Record<string, string[]>;
  /** Entity tags that may be current (or *). */
  etags: string[];
}

// ---- strings ---------------------------------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Named families of hostile strings. A family in `disabled` is left out everywhere. */
export const STRING_FAMILIES = {
  /** Lone UTF-16 surrogates (ill-formed Unicode) inside otherwise ordinary text. */
  'lone-surrogate': fc
    .tuple(fc.string({ maxLength: 8 }), loneSurrogate, fc.string({ maxLength: 8 }), fc.option(loneSurrogate, { nil: '' }))
    .map(([a, s, b, t]) => `${a}${s}${b}${t}`),
  /** Any code points, well-formed: astral planes, combining marks, private use, noncharacters. */
  'any-unicode': fc.string({ unit: 'binary', maxLength: 40 }),
  'grapheme-clusters': fc.string({ unit: 'grapheme', maxLength: 20 }),
  /** C0/C1 controls, NUL, bidi overrides, zero-width characters, BOM. */
  controls: fc
    .array(fc.constantFrom('\u0000', '\u0007', '\b', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u200b', '\u200d', '\u202e', '\u2028', '\ufeff', '\uffff', 'a', ' '), {
      minLength: 1,
      maxLength: 12,
    })
    .map((parts) => parts.join('')),
  /** Strings that mean something to some parser: numbers, JSON, query languages, paths, templates. */
  meaningful: fc.constantFrom(
    '',
    ' ',
    '0',
    '-0',
    '1e309',
    'NaN',
    'Infinity',
    'true',
    'null',
    'undefined',
    '[]',
    '{}',
    '{"a":1}',
    "' OR 1=1 --",
    '" OR c.id != "',
    'c.id',
    'SELECT * FROM c',
    '../../etc/passwd',
    '..\\..\\windows',
    '%00',
    '%2e%2e%2f',
    '${jndi:ldap://x}',
    '{{7*7}}',
    '<script>alert(1)</script>',
    '__proto__',
    'constructor',
    'prototype',
    'hasOwnProperty',
    'toString',
    'me',
    'unassigned',
    '*',
    'W/"1"',
    '"1"',
    '2030-02-30T25:61:00Z',
    '9999-12-31T23:59:59.999Z',
    '0000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    '2030-01-01T00:00:00+14:00',
    '1234567812345678',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ),
  /** Long strings: past every field limit, but inside the body limit. */
  huge: fc.tuple(fc.constantFrom('x', 'é', '𝄞', ' ', '\u0000', '%'), fc.integer({ min: 300, max: 20_000 })).map(([unit, n]) => unit.repeat(n)),
  ascii: fc.string({ maxLength: 30 }),
} satisfies Record<string, fc.Arbitrary<string>>;

export type StringFamily = keyof typeof STRING_FAMILIES;

/** Where a value goes: a JSON or CSV body, or the URL (path segments and query strings). */
export type Place = 'body' | 'url';

export function hostileString(disabled: ReadonlySet<string>, place: Place = 'body'): fc.Arbitrary<string> {
  const families = Object.entries(STRING_FAMILIES)
    .filter(([name]) => !disabled.has(name) && !disabled.has(`${name}@${place}`))
    .map(([, arbitrary]) => arbitrary);
  return fc.oneof(...families);
}

// ---- JSON values -----------------------------------------------------------------------------

/** An object with own keys that pollute a prototype if someone merges it carelessly. */
const pollutingObject = fc
  .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.jsonValue({ maxDepth: 2 }))
  .map(([key, value]) => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify({ polluted: true, isAdmin: true, prototype: { polluted: true }, inner: value })}}`) as unknown);

/** Arrays or objects nested this deep inside a body (deeper ones, as text, are among the garbage bodies). */
const deeplyNested = fc.tuple(fc.integer({ min: 200, max: 2_500 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
  return value;
});

export function hostileValue(disabled: ReadonlySet<string>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: hostileString(disabled) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.1)) },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
    { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 3 }), { minLength: 50, maxLength: 3_000 }) },
    { weight: 1, arbitrary: pollutingObject },
    { weight: 1, arbitrary: deeplyNested },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/**
 * A value shaped by a JSON schema of the document (types, enums, formats, patterns, required
 * properties), except that at any node a hostile value may stand in, and objects may gain
 * unknown or prototype keys and lose required ones.
 */
export function fromSchema(schema: JsonSchema, disabled: ReadonlySet<string>, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 10, arbitrary: conforming(resolveSchema(schema), disabled, depth) }, { weight: 1, arbitrary: hostileValue(disabled) });
}

function conforming(schema: JsonSchema, disabled: ReadonlySet<string>, depth: number): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  const anyOf = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (anyOf) return fc.oneof(...anyOf.map((option) => fromSchema(option, disabled, depth + 1)));
  const type = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [schema['type'] as string | undefined];
  const options = type.map((one) => conformingOfType(one, schema, disabled, depth));
  return options.length === 1 ? options[0]! : fc.oneof(...options);
}

function conformingOfType(type: string | undefined, schema: JsonSchema, disabled: ReadonlySet<string>, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = (schema['minimum'] as number | undefined) ?? (schema['exclusiveMinimum'] as number | undefined) ?? -1000;
      const max = (schema['maximum'] as number | undefined) ?? min + 1000;
      return fc.integer({ min: Math.max(min - 1, -1e9), max: Math.min(max + 1, 1e9) });
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'string':
      return conformingString(schema, disabled);
    case 'array': {
      const items = (schema['items'] as JsonSchema | undefined) ?? {};
      const minLength = Math.min((schema['minItems'] as number | undefined) ?? 0, 3);
      return fc.array(fromSchema(items, disabled, depth + 1), { minLength, maxLength: Math.max(minLength, 4) });
    }
    case 'object':
      return conformingObject(schema, disabled, depth);
    default:
      // No type: anything (e.g. the rows of an import, validated by the endpoint itself).
      return fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.object({ maxDepth: 1 }));
  }
}

function conformingString(schema: JsonSchema, disabled: ReadonlySet<string>): fc.Arbitrary<string> {
  const maxLength = (schema['maxLength'] as number | undefined) ?? 64;
  if (schema['format'] === 'uuid') return fc.uuid({ version: 4 });
  if (schema['format'] === 'date-time') {
    return fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
      .map((date) => date.toISOString());
  }
  if (schema['format'] === 'email') return fc.emailAddress();
  if (typeof schema['pattern'] === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema['pattern'] as string)).filter((value) => value.length <= maxLength);
    } catch {
      // A pattern fast-check cannot generate from: fall through to plain strings.
    }
  }
  const minLength = Math.min((schema['minLength'] as number | undefined) ?? 0, maxLength);
  return fc.oneof(fc.string({ minLength, maxLength: Math.min(maxLength, 40) }), hostileString(disabled));
}

function conformingObject(schema: JsonSchema, disabled: ReadonlySet<string>, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema['properties'] as Record<string, JsonSchema> | undefined) ?? {};
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const fields = Object.entries(properties).map(([name, propertySchema]) =>
    // A required property is usually there, an optional one half the time.
    fc.option(fromSchema(propertySchema, disabled, depth + 1).map((value) => [name, value] as const), { freq: required.has(name) ? 12 : 2, nil: undefined }),
  );
  const extraKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''), hostileString(disabled));
  const extras = fc.array(fc.tuple(extraKey, hostileValue(disabled)), { maxLength: 2 });
  return fc.tuple(fc.tuple(...fields), fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extras })).map(([present, extra]) => {
    // Built as JSON text so `__proto__` becomes an own key, as JSON.parse on the server makes it.
    const entries = [...present.filter((entry): entry is readonly [string, unknown] => entry !== undefined), ...extra];
    return JSON.parse(`{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value ?? null)}`).join(',')}}`) as unknown;
  });
}

// ---- bodies ----------------------------------------------------------------------------------

/** Bodies no schema describes: broken JSON, broken UTF-8, wrong shapes, too big, too deep. */
const garbageBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom('', ' ', '{', '{"a":', '{"a":1,}', "{'a':1}", '[1,2', 'nul', 'NaN', '"\\ud800"', '{"a":"\\u12"}', '\u0000', '{}{}', '1 2').map((text) => Buffer.from(text)),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), Buffer.from('{"a":"\xed\xa0\x80"}', 'latin1')),
  fc.integer({ min: 1_000, max: 30_000 }).map((depth) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  fc.integer({ min: 1_000, max: 30_000 }).map((depth) => Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
  fc.integer({ min: 65 * 1024, max: 3 * 1024 * 1024 }).map((size) => Buffer.from(`{"title":"${'x'.repeat(size)}"}`)),
);

const csvBody = (disabled: ReadonlySet<string>): fc.Arbitrary<Buffer> =>
  fc
    .tuple(
      fc.constantFrom('caseId,jurisdiction,locationId,caseName,caseType', 'caseId,jurisdiction', '', '"unterminated', 'a;b;c', '__proto__,constructor,prototype'),
      fc.array(fc.array(fc.oneof(hostileString(disabled), fc.constantFrom('1234567812345678', 'IA', '765324', '"q""uoted"', '"a,b"')), { maxLength: 6 }), { maxLength: 5 }),
      fc.constantFrom('\n', '\r\n', '\r'),
    )
    .map(([header, rows, eol]) => Buffer.from([header, ...rows.map((row) => row.join(','))].join(eol)));

const JSON_TYPES = new Set(['application/json', 'application/merge-patch+json']);

function bodyFor(target: FuzzTarget, disabled: ReadonlySet<string>): fc.Arbitrary<{ contentType: string | undefined; body: Buffer | undefined }> {
  const types = Object.keys(target.bodies);
  const wrongType = fc.constantFrom(undefined, 'text/plain', 'application/xml', 'application/json; charset=latin1', 'APPLICATION/JSON', 'multipart/form-data; boundary=x', 'application/json, text/csv', ';', 'application/*');
  if (types.length === 0) {
    // Operations without a body still get one sometimes: it must be ignored or refused, never crash.
    return fc.oneof(
      { weight: 5, arbitrary: fc.constant({ contentType: undefined, body: undefined }) },
      { weight: 1, arbitrary: fc.tuple(wrongType, garbageBody).map(([contentType, body]) => ({ contentType, body })) },
    );
  }
  const byType = types.map((type) => {
    const schema = target.bodies[type]!;
    const shaped: fc.Arbitrary<Buffer> = JSON_TYPES.has(type)
      ? fromSchema(schema, disabled).map((value) => Buffer.from(JSON.stringify(value) ?? 'null'))
      : csvBody(disabled);
    return fc.oneof({ weight: 8, arbitrary: shaped }, { weight: 1, arbitrary: garbageBody }).map((body) => ({ contentType: type as string | undefined, body: body as Buffer | undefined }));
  });
  return fc.oneof(
    { weight: 12, arbitrary: fc.oneof(...byType) },
    { weight: 1, arbitrary: fc.tuple(wrongType, fc.option(garbageBody, { nil: undefined })).map(([contentType, body]) => ({ contentType, body })) },
  );
}

// ---- URL parts -------------------------------------------------------------------------------

/**
 * Percent-encodes any JavaScript string, including ill-formed ones: a lone surrogate becomes its
 * three generalised-UTF-8 bytes (%ED%A0%80), which no decoder accepts as UTF-8.
 */
export function percentEncode(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i += 1;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(value[i]!);
    }
  }
  return out;
}

/**
 * The disabled set as seen from a URL: `<family>@url` entries act as plain family names, so the
 * schema-shaped generators (which only know bodies) leave those families out of URL values.
 */
function urlOnly(disabled: ReadonlySet<string>): ReadonlySet<string> {
  const names = [...disabled].filter((name) => !name.endsWith('@body')).map((name) => name.replace(/@url$/, ''));
  return new Set(names);
}

/** Already-encoded segments that decoders disagree about. */
const rawSegment = fc.constantFrom('%', '%zz', '%FF', '%C0%AF', '%2F', '..', '.', '%2e%2e', '%00', 'a%20b', '%25', ';x', '%3F', '%23', '~');

/**
 * URLs stay under the host's 16 KiB header limit most of the time (a longer one only ever gets the
 * host's 431, which tells nothing about the app): hostile values in a URL are cut, at a code point.
 */
const URL_VALUE_MAX_CODE_POINTS = 400;
const forUrl = (value: string): string => (value.length <= URL_VALUE_MAX_CODE_POINTS ? value : Array.from(value).slice(0, URL_VALUE_MAX_CODE_POINTS).join(''));

function parameterValue(parameter: FuzzParameter, world: FuzzWorld, disabled: ReadonlySet<string>): fc.Arbitrary<string> {
  const known = world.known[parameter.name] ?? [];
  const schema = resolveSchema(parameter.schema);
  // Schema-shaped values with hostile strings of the URL's kind inside.
  const conformingValue = conforming(schema, urlOnly(disabled), 0).map((value) => (Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : JSON.stringify(value)));
  return fc.oneof(
    ...(known.length > 0 ? [{ weight: 6, arbitrary: fc.constantFrom(...known) }] : []),
    { weight: 3, arbitrary: conformingValue },
    { weight: 2, arbitrary: hostileString(disabled, 'url').map(forUrl) },
  );
}

function pathFor(target: FuzzTarget, world: FuzzWorld, disabled: ReadonlySet<string>): fc.Arbitrary<string> {
  const names = [...target.template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const values = names.map((name) => {
    const parameter = target.parameters.find((candidate) => candidate.in === 'path' && candidate.name === name) ?? { name, in: 'path' as const, required: true, schema: { type: 'string' } };
    return fc.oneof({ weight: 12, arbitrary: parameterValue(parameter, world, disabled).map(percentEncode) }, { weight: 1, arbitrary: rawSegment });
  });
  return fc.tuple(...values).map((encoded) => `/api${target.template.replace(/\{(\w+)\}/g, (_, name: string) => encoded[names.indexOf(name)]!)}`);
}

function queryFor(target: FuzzTarget, world: FuzzWorld, disabled: ReadonlySet<string>): fc.Arbitrary<string> {
  const documented = target.parameters.filter((parameter) => parameter.in === 'query');
  const pair = (name: fc.Arbitrary<string>, value: fc.Arbitrary<string>) => fc.tuple(name, value).map(([n, v]) => `${percentEncode(n)}=${percentEncode(v)}`);
  const documentedPairs = documented.map((parameter) => pair(fc.constant(parameter.name), parameterValue(parameter, world, disabled)));
  const strangeName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '__proto__[polluted]', 'constructor[prototype][polluted]', 'a[]', ''), hostileString(disabled, 'url'));
  const strangePairs = [
    pair(strangeName.map(forUrl), hostileString(disabled, 'url').map(forUrl)),
    fc.constantFrom('&', '&&', '=', '==x', 'a=%', 'a=%zz', 'limit', 'limit=', '%=%', 'a=1;b=2'),
  ];
  const pairs = fc.array(fc.oneof({ weight: 6, arbitrary: fc.oneof(...(documentedPairs.length > 0 ? documentedPairs : strangePairs)) }, { weight: 1, arbitrary: fc.oneof(...strangePairs) }), {
    maxLength: 6,
  });
  return fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 5, arbitrary: pairs.map((list) => (list.length > 0 ? `?${list.join('&')}` : '')) });
}

// ---- headers ---------------------------------------------------------------------------------

/** What a header value may hold on the wire (Node refuses the rest): tab, printable ASCII, and Latin-1 bytes. */
const headerText = fc.oneof(
  fc.string({ unit: fc.oneof(fc.constant('\t'), fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code))), maxLength: 60 }),
  fc.constantFrom('', ' ', '*', '"', 'W/"1"', '"1", "2"', 'Bearer', 'Bearer ', 'Basic YTpi', 'bearer a.b.c', 'Bearer a.b.', 'Bearer ....', 'Bearer eyJhbGciOiJub25lIn0.e30.'),
  fc.integer({ min: 1_000, max: 8_000 }).map((n) => 'a'.repeat(n)),
);

function headersFor(target: FuzzTarget, world: FuzzWorld, contentType: string | undefined): fc.Arbitrary<[string, string][]> {
  const authorization = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...world.authorizations).map((value) => [['authorization', value]] as [string, string][]) },
    { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
    { weight: 1, arbitrary: headerText.map((value) => [['authorization', value]] as [string, string][]) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...world.authorizations), fc.constantFrom(...world.authorizations, 'Bearer x')).map(
        ([a, b]) =>
          [
            ['authorization', a],
            ['authorization', b],
          ] as [string, string][],
      ),
    },
  );
  const conditional = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...world.etags) },
    { weight: 1, arbitrary: headerText },
  );
  const extraHeader = fc.oneof(
    fc.tuple(fc.constant('if-match'), conditional),
    fc.tuple(fc.constant('if-none-match'), conditional),
    fc.tuple(fc.constant('x-correlation-id'), fc.oneof(fc.constantFrom('fuzz-correlation', 'a:b.c-d_e'), headerText)),
    fc.tuple(fc.constant('traceparent'), fc.oneof(fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), headerText)),
    fc.tuple(fc.constant('accept'), fc.oneof(fc.constantFrom('application/json', 'application/problem+json', 'text/html', '*/*', 'application/xml'), headerText)),
    // A second, different Content-Type: repeated headers.
    fc.tuple(fc.constant('content-type'), fc.oneof(fc.constantFrom('application/json', 'text/csv', 'text/plain'), headerText)),
    fc.tuple(fc.constantFrom('x-forwarded-for', 'x-ms-client-principal', 'x-ms-client-principal-id', 'cookie', 'origin', 'x-http-method-override'), headerText),
  );
  const extras = fc.oneof({ weight: 2, arbitrary: fc.constant([] as [string, string][]) }, { weight: 1, arbitrary: fc.array(extraHeader, { maxLength: 4 }) });
  // The request-wide parts (If-Match wanted by the operation) are usually present and usable.
  const wantsIfMatch = target.parameters.some((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'if-match');
  const ifMatch = wantsIfMatch
    ? fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...world.etags).map((tag) => [['if-match', tag]] as [string, string][]) }, { weight: 1, arbitrary: fc.constant([] as [string, string][]) })
    : fc.constant([] as [string, string][]);
  return fc.tuple(authorization, ifMatch, extras).map(([auth, match, extra]) => [
    ...auth,
    ...match,
    ...(contentType === undefined ? [] : ([['content-type', contentType]] as [string, string][])),
    ...extra,
  ]);
}

/** One request to `target`. */
export function requestFor(target: FuzzTarget, world: FuzzWorld, disabled: ReadonlySet<string>): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(pathFor(target, world, disabled), queryFor(target, world, disabled), bodyFor(target, disabled))
    .chain(([path, query, { contentType, body }]) =>
      headersFor(target, world, contentType).map((headers) => ({ method: target.method, path: `${path}${query}`, headers, ...(body === undefined ? {} : { body }) })),
    );
}

/** A short, printable account of a request, for failure messages. */
export function describeRequest(request: FuzzRequest): string {
  const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);
  const headers = request.headers.map(([name, value]) => `  ${name}: ${clip(name === 'authorization' && value.length > 40 ? `${value.slice(0, 20)}…` : value, 120)}`).join('\n');
  const body = request.body === undefined ? '' : `\n  body: ${clip(JSON.stringify(request.body.toString('latin1')), 400)}`;
  return `${request.method} ${clip(request.path, 300)}\n${headers}${body}`;
}
