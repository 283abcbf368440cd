import { describe, expect, it } from 'vitest';
import { matchesIfNoneMatch, parseEntityTags, requireIfMatch } from '../../../shared/domain/entity-tags.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { statusOf as httpStatusOf } from '../../../shared/http/problem-response.js';

const current = '"00000a00-0000-0000-0000-000000000000"';
const statusOf = (run: () => unknown) => {
  try {
    run();
    return 'ok';
  } catch (error) {
    return httpStatusOf(error as AppError);
  }
};

describe('conditional requests', () => {
  it('parses lists, weak tags and *', () => {
    expect(parseEntityTags('*')).toBe('*');
    expect(parseEntityTags('"a", W/"b"')).toEqual(['"a"', 'W/"b"']);
    expect(statusOf(() => parseEntityTags('abc'))).toBe(400);
  });

  it('If-Match: 428 when absent, 412 when stale or weak, the current tag when it matches', () => {
    expect(statusOf(() => requireIfMatch(null, current))).toBe(428);
    expect(statusOf(() => requireIfMatch('"stale"', current))).toBe(412);
    expect(statusOf(() => requireIfMatch(`W/${current}`, current))).toBe(412);
    expect(statusOf(() => requireIfMatch(`"x", ${current}`, current))).toBe('ok');
    expect(statusOf(() => requireIfMatch('*', current))).toBe('ok');
  });

  it('If-None-Match uses weak comparison', () => {
    expect(matchesIfNoneMatch(`W/${current}`, current)).toBe(true);
    expect(matchesIfNoneMatch('"other"', current)).toBe(false);
    expect(matchesIfNoneMatch(null, current)).toBe(false);
  });
});
