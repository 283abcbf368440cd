import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/app-error.js';
import { caseImportFromCsv } from '../../../shared/http/case-import-csv.js';
import { readBody } from '../../../shared/http/request-body.js';
import { queryToObject } from '../../../shared/http/request-query.js';
import {
  decodeUtf8KeepingInvalid,
  ILL_FORMED_NAME_MESSAGE,
  ILL_FORMED_TEXT_MESSAGE,
  illFormedTextErrors,
} from '../../../shared/http/well-formed-text.js';

const LONE_HIGH = '\ud800';
const LONE_LOW = '\udc00';

describe('illFormedTextErrors', () => {
  it('accepts well-formed text, including astral characters made of a surrogate pair', () => {
    expect(illFormedTextErrors({ title: 'Review 📎 bundle', tags: ['Ünïcödé', '中文'], n: 1, nothing: null }, 'body')).toEqual([]);
  });

  it('names every string holding a lone surrogate by its dotted path, and every bad key', () => {
    const body = {
      title: `a${LONE_HIGH}`,
      items: [{ task: { description: `${LONE_LOW}b` } }, 'ok', LONE_HIGH],
      [`bad${LONE_HIGH}key`]: 'value',
      fine: `pair \ud83d\udcce and a reversed pair ${LONE_LOW}${LONE_HIGH}`,
    };
    const byField = (a: { field: string }, b: { field: string }) => a.field.localeCompare(b.field);
    expect(illFormedTextErrors(body, 'body').sort(byField)).toEqual([
      { in: 'body', field: 'title', message: ILL_FORMED_TEXT_MESSAGE },
      { in: 'body', field: 'items.0.task.description', message: ILL_FORMED_TEXT_MESSAGE },
      { in: 'body', field: 'items.2', message: ILL_FORMED_TEXT_MESSAGE },
      { in: 'body', field: 'bad\\uD800key', message: ILL_FORMED_NAME_MESSAGE },
      { in: 'body', field: 'fine', message: ILL_FORMED_TEXT_MESSAGE },
    ].sort(byField));
    expect(illFormedTextErrors(LONE_HIGH, 'body')).toEqual([{ in: 'body', field: '(root)', message: ILL_FORMED_TEXT_MESSAGE }]);
  });

  it('names query parameters by name, once, however many of their values are bad', () => {
    expect(illFormedTextErrors({ q: LONE_HIGH, status: ['pending', LONE_LOW, LONE_HIGH] }, 'query')).toEqual([
      { in: 'query', field: 'q', message: ILL_FORMED_TEXT_MESSAGE },
      { in: 'query', field: 'status', message: ILL_FORMED_TEXT_MESSAGE },
    ]);
  });

  it('walks a deeply nested body without exhausting the stack', () => {
    let nested: unknown = LONE_HIGH;
    for (let depth = 0; depth < 20_000; depth++) nested = [nested];
    expect(illFormedTextErrors(nested, 'body')).toHaveLength(1);
  });
});

describe('decodeUtf8KeepingInvalid', () => {
  const encode = (text: string) => new TextEncoder().encode(text);

  it('decodes UTF-8 exactly as TextDecoder does, dropping a leading byte order mark from a body only', () => {
    for (const text of ['', 'plain', 'Ünïcödé 中文 📎', '\ufeffbom first', 'inner \ufeff mark']) {
      expect(decodeUtf8KeepingInvalid(encode(text), { dropByteOrderMark: true })).toBe(new TextDecoder().decode(encode(text)));
    }
    expect(decodeUtf8KeepingInvalid(encode('\ufeffx'), { dropByteOrderMark: false })).toBe('\ufeffx');
  });

  it('turns each byte of an invalid sequence into a lone surrogate instead of U+FFFD', () => {
    // ED A0 80 is a UTF-16 surrogate encoded as if it were a character (CESU-8): not UTF-8.
    const bytes = new Uint8Array([0x61, 0xed, 0xa0, 0x80, 0x62, 0xc3, 0xa9, 0xff, 0xf0, 0x9f, 0x93, 0x8e]);
    const text = decodeUtf8KeepingInvalid(bytes, { dropByteOrderMark: true });
    expect(text).toBe('a\udced\udca0\udc80bé\udcff📎');
    expect(text.isWellFormed()).toBe(false);
    // Truncated and overlong sequences are invalid too.
    for (const invalid of [[0xe2, 0x82], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0x80]]) {
      expect(decodeUtf8KeepingInvalid(new Uint8Array(invalid), { dropByteOrderMark: true }).isWellFormed()).toBe(false);
    }
  });
});

describe('queryToObject', () => {
  const url = (search: string) => `http://localhost/api/v1/tasks?${search}`;

  it('parses as URLSearchParams does for well-formed input', () => {
    for (const search of ['', 'a=1', 'a=1&a=2&b', 'q=caf%C3%A9+au+lait', 'q=%zz%2', 'x=a%3Db&&=empty', 'q=%F0%9F%93%8E', '__proto__=1', 'q=a+b%2Bc']) {
      const expected = new Map<string, string[]>();
      for (const [key, value] of new URLSearchParams(search)) expected.set(key, [...(expected.get(key) ?? []), value]);
      const parsed = queryToObject(url(search));
      expect(Object.keys(parsed), search).toEqual([...expected.keys()]);
      for (const [key, values] of expected) expect(parsed[key], search).toEqual(values.length === 1 ? values[0] : values);
    }
  });

  it('keeps percent-encoded bytes that are not UTF-8 as lone surrogates, where URLSearchParams would write U+FFFD', () => {
    expect(new URLSearchParams('q=%ED%A0%80ab').get('q')).toBe('\ufffd\ufffd\ufffdab');
    const parsed = queryToObject(url('q=%ED%A0%80ab'));
    expect(parsed['q']).toBe('\udced\udca0\udc80ab');
    expect(illFormedTextErrors(parsed, 'query')).toEqual([{ in: 'query', field: 'q', message: ILL_FORMED_TEXT_MESSAGE }]);
  });
});

describe('readBody', () => {
  const request = (contentType: string, bytes: Uint8Array) =>
    new HttpRequest({ method: 'POST', url: 'http://localhost/api/v1/cases/import', headers: { 'content-type': contentType }, body: { bytes } });
  const bytesOf = (...parts: (string | number[])[]) =>
    new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...new TextEncoder().encode(part)] : part)));
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    return error as AppError & { kind: string };
  };

  it('names the CSV cell that holds bytes that are not UTF-8', async () => {
    const csv = bytesOf('caseId,jurisdiction,locationId,caseName,caseType\n', '1234567812345678,IA,765324,Smith ', [0xed, 0xa0, 0x80], ',Asylum\n');
    const error = await refusal(readBody(request('text/csv', csv), { acceptedTypes: ['text/csv'], decoders: { 'text/csv': caseImportFromCsv } }));
    expect(error).toBeInstanceOf(AppError);
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'cases.0.caseName', message: ILL_FORMED_TEXT_MESSAGE }]);
  });

  it('names the JSON field that holds bytes that are not UTF-8, and refuses the body as a whole when they are elsewhere', async () => {
    const inString = bytesOf('{"title":"a', [0xff], '"}');
    const named = await refusal(readBody(request('application/json', inString), { acceptedTypes: ['application/json'] }));
    expect(named.options.errors).toEqual([{ in: 'body', field: 'title', message: ILL_FORMED_TEXT_MESSAGE }]);
    for (const body of [bytesOf('{"title":"ok"', [0xff], '}'), bytesOf('{"a":"', [0xff], '","a":"ok"}')]) {
      const whole = await refusal(readBody(request('application/json', body), { acceptedTypes: ['application/json'] }));
      expect(whole.kind).toBe('malformedJson');
      expect(whole.detail).toBe('The request body is not valid UTF-8.');
    }
  });

  it('leaves JSON escapes of lone surrogates to the pipeline check (the text itself is valid UTF-8)', async () => {
    const body = await readBody(request('application/json', bytesOf('{"title":"\\ud800"}')), { acceptedTypes: ['application/json'] });
    expect(illFormedTextErrors(body, 'body')).toEqual([{ in: 'body', field: 'title', message: ILL_FORMED_TEXT_MESSAGE }]);
  });
});
