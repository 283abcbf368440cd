import { describe, expect, it } from 'vitest';
import { appHookContext, postInvocationContext, preInvocationContext } from '../../../dev/functions-host/hooks.js';

describe('hook contexts', () => {
  it('expose hookData, appHookData and invocationContext read-only, as the worker does, and the rest writable', () => {
    const hookData = { a: 1 };
    const invocation = { invocationId: 'x' };
    const pre = preInvocationContext(hookData, invocation, ['in'], () => 'cb');
    expect(pre.hookData).toBe(hookData);
    expect(pre.invocationContext).toBe(invocation);
    expect(Object.keys(pre).sort()).toEqual(['appHookData', 'functionCallback', 'hookData', 'inputs', 'invocationContext']);
    expect(() => ((pre as { hookData: unknown }).hookData = {})).toThrow("Cannot assign to read only property 'hookData'");
    pre.inputs = ['changed'];
    expect(pre.inputs).toEqual(['changed']);

    const post = postInvocationContext(hookData, invocation, []);
    expect(() => ((post as { invocationContext: unknown }).invocationContext = {})).toThrow(TypeError);
    post.result = 42;
    expect(post.result).toBe(42);

    const app = appHookContext('/app') as { appHookData: unknown; functionAppDirectory: string };
    expect(app.functionAppDirectory).toBe('/app');
    expect(() => (app.appHookData = {})).toThrow("Cannot assign to read only property 'appHookData'");
  });
});
