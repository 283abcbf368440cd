import { format, inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { caseRecordSchema } from '../../../shared/schemas/reference.js';
import { taskEventSchema } from '../../../shared/schemas/event.js';
import { sensitive } from '../../../shared/schemas/primitives.js';
import { cancelTaskSchema, createTaskSchema, patchTaskSchema, taskSchema } from '../../../shared/schemas/task.js';
import { createUserSchema, userSchema } from '../../../shared/schemas/user.js';
import { redactInvocationError, redactLogLine } from '../../../shared/telemetry/log-redaction.js';
import { REDACTED, RedactedError, redactText, redactValue, registerSensitiveFields, sensitiveFieldNames, sensitiveFields } from '../../../shared/telemetry/redaction.js';

for (const schema of [taskSchema, createTaskSchema, patchTaskSchema, cancelTaskSchema, userSchema, createUserSchema, taskEventSchema, caseRecordSchema]) registerSensitiveFields(schema);

// A real-looking token: header.payload.signature, base64url.
const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const JWT = `${part({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${part({ sub: 'c0000000-0000-4000-8000-000000000001', name: 'Casey', roles: ['caseworker'] })}.c2lnbmF0dXJlLWJ5dGVz`;

describe('which fields are sensitive: read from the zod schemas', () => {
  it('finds the fields marked .meta({ sensitive: true }) at any depth and through wrappers (optional, nullable, default, transform)', () => {
    expect([...sensitiveFieldNames(taskSchema)].sort()).toEqual(['cancellationReason', 'description', 'title']);
    expect([...sensitiveFieldNames(createTaskSchema)].sort()).toEqual(['description', 'title']);
    // description: nullable, transformed; wrapped in .partial() and .refine().
    expect(sensitiveFieldNames(patchTaskSchema)).toContain('description');
    expect([...sensitiveFieldNames(cancelTaskSchema)]).toEqual(['reason']);
    expect([...sensitiveFieldNames(createUserSchema)].sort()).toEqual(['email', 'name']);
    // The event: the actor's name, the snapshots' free text, a note redaction's reason, an attachment's file name.
    expect([...sensitiveFieldNames(taskEventSchema)].sort()).toEqual(['cancellationReason', 'description', 'fileName', 'name', 'reason', 'title']);
    expect([...sensitiveFieldNames(caseRecordSchema)]).toEqual(['caseName']);
  });

  it('marks nothing that is not marked', () => {
    const plain = z.object({ id: z.string(), nested: z.object({ count: z.number() }) });
    expect([...sensitiveFieldNames(plain)]).toEqual([]);
    expect([...sensitiveFieldNames(z.object({ notes: z.array(z.object({ text: sensitive(z.string()) })) }))]).toEqual(['text']);
  });

  it('redacts by name every field the registered schemas mark, and the secrets whatever the schemas say', () => {
    expect(sensitiveFields()).toEqual(expect.arrayContaining(['description', 'title', 'email', 'name', 'reason', 'cancellationReason', 'caseName', 'authorization', 'access_token']));
  });
});

describe('redactText', () => {
  it('removes bearer tokens, JWTs, email addresses, Notify API keys and OAuth parameters', () => {
    const notifyKey = 'caseload_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0';
    const line = `Authorization: Bearer ${JWT} for casey.smith+courts@justice.gov.uk with key ${notifyKey}; token=${JWT} callback?code_verifier=abc123&access_token=xyz`;
    const redacted = redactText(line);
    expect(redacted).not.toContain(JWT);
    expect(redacted).not.toContain('casey.smith');
    expect(redacted).not.toContain('3d844edf-8d35-48ac-975b-e847b4f122b0');
    expect(redacted).toContain('26785a09-ab16-4eb0-8407-a37497a57506');
    expect(redacted).not.toContain('abc123');
    expect(redacted).not.toContain('xyz');
    expect(redacted).toContain(`Bearer ${REDACTED}`);
  });

  it('removes sensitive field values from JSON and from util.inspect / util.format output', () => {
    const task = { id: 't-1', title: 'Review Smith v SSHD bundle', description: "Call Mrs O'Brien on 07700 900123", status: 'pending' };
    for (const text of [JSON.stringify(task), JSON.stringify(task, null, 2), inspect(task), format('task %o', task), format('task %j', { task })]) {
      const redacted = redactText(text);
      expect(redacted, text).not.toContain('Smith v SSHD');
      expect(redacted, text).not.toContain('07700 900123');
      expect(redacted, text).toContain('t-1');
      expect(redacted, text).toContain('pending');
    }
  });

  it('whatever a description holds, it never survives a log line that prints the task (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6, maxLength: 200 }).filter((text) => /[A-Za-z]{4}/.test(text)), fc.constantFrom('json', 'inspect', 'format'), (description, how) => {
        const event = { id: 'e-1', after: { description, status: 'pending' } };
        const line = how === 'json' ? JSON.stringify(event) : how === 'inspect' ? inspect(event, { depth: 5 }) : format('event %o', event);
        // Printers escape some characters: the value is gone in whatever form the line holds it.
        const printed = how === 'json' ? JSON.stringify(description).slice(1, -1) : inspect(description).slice(1, -1);
        expect(redactText(line)).not.toContain(printed);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves a line with nothing sensitive as it was', () => {
    const line = 'GET /api/v1/tasks → 200 in 47 ms · correlation 0af7651916cd43dd8448eb211c80319c · metric audit.lagMs=5462 eventType=task.created';
    expect(redactText(line)).toBe(line);
  });
});

describe('redactValue', () => {
  it('replaces sensitive fields by name at any depth, redacts strings, and reduces errors to name, message and stack', () => {
    const error = new Error(`Notify refused casey@example.gov.uk with ${JWT}`);
    const value = redactValue({ task: { description: 'private', title: '', assignee: 'u-1' }, users: [{ email: 'a@b.example', name: 'Ann' }], error, note: 'mail a@b.example' });
    expect(value).toEqual({
      task: { description: REDACTED, title: '', assignee: 'u-1' },
      users: [{ email: REDACTED, name: REDACTED }],
      error: { name: 'Error', message: `Notify refused ${REDACTED} with ${REDACTED}`, stack: expect.not.stringContaining('casey@') },
      note: `mail ${REDACTED}`,
    });
  });
});

describe('the hooks that put redaction before every sink', () => {
  it('the log hook rewrites the line the worker hands to the host', () => {
    const context = { message: format('Unhandled error for %o', { description: 'private words', email: 'x@y.example' }) };
    redactLogLine(context);
    expect(context.message).not.toContain('private words');
    expect(context.message).not.toContain('x@y.example');
  });

  it('the postInvocation hook replaces an error leaving a function with a redacted one, once', () => {
    const context: { error: unknown } = { error: new TypeError(`bad token ${JWT}`) };
    redactInvocationError(context);
    expect(context.error).toBeInstanceOf(RedactedError);
    expect((context.error as Error).name).toBe('TypeError');
    expect((context.error as Error).message).toBe(`bad token ${REDACTED}`);
    expect((context.error as Error).stack).not.toContain(JWT);
    const once = context.error;
    redactInvocationError(context);
    expect(context.error).toBe(once);
    const none: { error: unknown } = { error: null };
    redactInvocationError(none);
    expect(none.error).toBeNull();
  });
});
