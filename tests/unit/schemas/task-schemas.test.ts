import { describe, expect, it } from 'vitest';
import { fieldErrorsFromZod } from '../../../shared/errors/zod-field-errors.js';
import { createTaskSchema, patchTaskSchema } from '../../../shared/schemas/task.js';
import { listTasksQuerySchema } from '../../../shared/schemas/task-query.js';

const valid = { caseId: '1234567812345678', jurisdiction: 'IA', locationId: '765324', title: '  Review bundle ', dueDate: '2030-01-01T09:00:00Z' };

describe('task schemas', () => {
  it('trims titles, applies defaults and normalises the due date', () => {
    expect(createTaskSchema.parse(valid)).toEqual({ ...valid, title: 'Review bundle', description: '', priority: 'medium', dueDate: '2030-01-01T09:00:00.000Z' });
  });

  it('names every bad field, including unknown ones', () => {
    const input = { ...valid, caseId: '123', jurisdiction: 'XX', title: 'a\u0007b', dueDate: '2030-01-01', extra: 1, status: 'completed' };
    const result = createTaskSchema.safeParse(input);
    expect(result.success).toBe(false);
    const errors = fieldErrorsFromZod(result.error!, 'body', input);
    expect(errors.find((error) => error.field === 'jurisdiction')?.message).toMatch(/^must be one of: IA, CIVIL/);
    expect(errors.some((error) => error.message === 'is required')).toBe(false);
    const fields = errors.map((error) => error.field).sort();
    expect(fields).toEqual(['caseId', 'dueDate', 'extra', 'jurisdiction', 'status', 'title']);
  });

  it('requires the mandatory fields', () => {
    const errors = fieldErrorsFromZod(createTaskSchema.safeParse({}).error!, 'body', {});
    expect(errors.filter((error) => error.message === 'is required').map((error) => error.field).sort()).toEqual([
      'caseId',
      'dueDate',
      'jurisdiction',
      'locationId',
      'title',
    ]);
  });

  it('merge patch: null clears description and assignee, is refused elsewhere, and empty patches are refused', () => {
    expect(patchTaskSchema.parse({ description: null, assignee: null })).toEqual({ description: '', assignee: null });
    expect(patchTaskSchema.safeParse({ title: null }).success).toBe(false);
    expect(patchTaskSchema.safeParse({}).success).toBe(false);
  });
});

describe('list query schema', () => {
  it('accepts a multi-valued filter given once or repeated, and coerces limit and overdue', () => {
    const parsed = listTasksQuerySchema.parse({ status: ['pending', 'completed', 'cancelled'], priority: 'high', limit: '50', overdue: 'false' });
    expect(parsed.status).toEqual(['pending', 'completed', 'cancelled']);
    expect(parsed.priority).toEqual(['high']);
    expect(parsed.limit).toBe(50);
    expect(parsed.overdue).toBe(false);
    expect(parsed.sort).toBe('dueDate');
    expect(listTasksQuerySchema.parse({}).limit).toBe(20);
  });

  it('refuses comma-separated values, naming the parameter and the repeated form', () => {
    const query = { status: ['pending', 'completed,cancelled'] };
    const refused = listTasksQuerySchema.safeParse(query);
    expect(fieldErrorsFromZod(refused.error!, 'query', query)).toEqual([
      { in: 'query', field: 'status', message: 'give several values by repeating the parameter (status=a&status=b), not separated by commas' },
    ]);
  });

  it('rejects repeated single-valued parameters, bad limits and inverted ranges', () => {
    expect(listTasksQuerySchema.safeParse({ caseId: ['1234567812345678', '1234567812345679'] }).success).toBe(false);
    for (const limit of ['0', '101', '2.5', 'ten']) expect(listTasksQuerySchema.safeParse({ limit }).success).toBe(false);
    const inverted = listTasksQuerySchema.safeParse({ dueAfter: '2030-02-01T00:00:00Z', dueBefore: '2030-01-01T00:00:00Z' });
    expect(fieldErrorsFromZod(inverted.error!, 'query', {})[0]?.field).toBe('dueAfter');
  });
});
