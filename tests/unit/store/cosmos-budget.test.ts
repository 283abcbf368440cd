import type { RequestContext } from '@azure/cosmos';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/app-error.js';
import { CosmosBudgetExceededError, operationDeadline } from '../../../shared/store/cosmos-client.js';
import { translateCosmosError } from '../../../shared/store/cosmos-errors.js';

/** The database budget's parts that need no database: the deadline plugin and the error mapping. */

type Next = Parameters<ReturnType<typeof operationDeadline>['plugin']>[2];

function run(ms: number, next: Next, options: Record<string, unknown> = {}) {
  const context = { options } as unknown as RequestContext;
  return { context, result: operationDeadline(ms).plugin(context, undefined as never, next) };
}

describe('operationDeadline', () => {
  it('aborts the operation and fails with a budget error at the deadline, even if the SDK keeps waiting', async () => {
    let seen: AbortSignal | undefined;
    const started = performance.now();
    const { result } = run(100, (context) => {
      seen = context.options?.abortSignal;
      return new Promise(() => {}); // an SDK sleeping between retries
    });
    await expect(result).rejects.toBeInstanceOf(CosmosBudgetExceededError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(seen?.aborted).toBe(true);
  });

  it('passes answers and errors through before the deadline, and keeps a caller’s own signal working', async () => {
    const ok = { result: 'ok' } as never;
    await expect(run(1_000, async () => ok).result).resolves.toBe(ok);
    const failure = Object.assign(new Error('conflict'), { code: 409 });
    await expect(run(1_000, async () => Promise.reject(failure)).result).rejects.toBe(failure);

    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const { result } = run(5_000, (context) => {
      seen = context.options?.abortSignal;
      return new Promise((_, reject) => seen!.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    }, { abortSignal: caller.signal });
    caller.abort();
    await expect(result).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('translateCosmosError', () => {
  const unavailable = (error: unknown) => {
    const translated = translateCosmosError(error);
    expect(translated).toBeInstanceOf(AppError);
    expect((translated as AppError).kind).toBe('unavailable');
    return (translated as AppError).options.retryAfterSeconds;
  };

  it('makes every "could not reach the database in time" a retryable 503', () => {
    for (const code of ['TimeoutError', 'OperationBudgetExceeded', 'REQUEST_SEND_ERROR', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 408, 410, 449, 503]) {
      expect(unavailable({ code }), String(code)).toBe(5);
    }
    expect(unavailable(new CosmosBudgetExceededError(5000))).toBe(5);
    expect(unavailable(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(5);
  });

  it('tells a throttled caller to wait what the database asked, in whole seconds', () => {
    expect(unavailable({ code: 429, retryAfterInMs: 500 })).toBe(1);
    expect(unavailable({ code: 429, retryAfterInMs: 2_100 })).toBe(3);
    expect(unavailable({ code: 429 })).toBe(1);
  });

  it("leaves a 412 as a precondition failure and the service's own faults (401, 403) as they are", () => {
    expect((translateCosmosError({ code: 412 }) as AppError).kind).toBe('preconditionFailed');
    for (const code of [401, 403]) {
      const other = { code };
      expect(translateCosmosError(other)).toBe(other);
    }
  });
});
