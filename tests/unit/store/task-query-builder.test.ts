import { describe, expect, it } from 'vitest';
import { buildOverdueScanQuery, buildTaskCountQuery, buildTaskListQuery, buildTaskWhere } from '../../../shared/store/task-query-builder.js';

describe('task query builder', () => {
  it('always excludes deleted tasks and puts the work scope in the query', () => {
    const { where, parameters } = buildTaskWhere(
      { jurisdiction: ['SSCS'] },
      { kind: 'scoped', jurisdictions: ['IA', 'SSCS'], locations: ['765324'], ownOrUnassignedFor: 'u1' },
    );
    expect(where).toBe(
      'c.deletedAt = null AND c.jurisdiction IN (@scopeJurisdiction0, @scopeJurisdiction1) AND c.locationId IN (@scopeLocation0)' +
        ' AND (c.assignee = @scopeUser OR c.assignee = null) AND c.jurisdiction IN (@jurisdiction0)',
    );
    expect(parameters).toEqual([
      { name: '@scopeJurisdiction0', value: 'IA' },
      { name: '@scopeJurisdiction1', value: 'SSCS' },
      { name: '@scopeLocation0', value: '765324' },
      { name: '@scopeUser', value: 'u1' },
      { name: '@jurisdiction0', value: 'SSCS' },
    ]);
  });

  it('an empty work scope matches nothing', () => {
    expect(buildTaskWhere({}, { kind: 'scoped', jurisdictions: [], locations: [] }).where).toBe('c.deletedAt = null AND false');
  });

  it('passes every value as a parameter, never inline', () => {
    const hostile = "x' OR 1=1 --";
    const spec = buildTaskListQuery(
      { status: ['pending', 'in_progress'], caseId: hostile, q: 'Appeal', assignee: 'unassigned', dueAfter: 'a', dueBefore: 'b' },
      { kind: 'all' },
      'priority',
      'desc',
    );
    expect(spec.query).not.toContain(hostile);
    expect(spec.query).toContain('c.status IN (@status0, @status1)');
    expect(spec.query).toContain('c.assignee = null');
    expect(spec.query).toContain('CONTAINS(c.searchText, @q)');
    expect(spec.query).toMatch(/ORDER BY c\.priorityRank DESC, c\.id DESC$/);
    expect(spec.parameters).toContainEqual({ name: '@q', value: 'appeal' });
    expect(spec.parameters).toContainEqual({ name: '@caseId', value: hostile });
  });

  it('counts with the same filter', () => {
    const spec = buildTaskCountQuery({ overdue: true, jurisdiction: ['IA'] }, { kind: 'all' });
    expect(spec.query).toBe('SELECT VALUE COUNT(1) FROM c WHERE c.deletedAt = null AND c.jurisdiction IN (@jurisdiction0) AND c.overdue = true');
  });

  it('scans only open, unflagged tasks past due', () => {
    const spec = buildOverdueScanQuery('2026-01-01T00:00:00.000Z');
    expect(spec.query).toBe(
      "SELECT c.id, c.dueDate FROM c WHERE c.deletedAt = null AND c.status IN ('pending', 'in_progress') AND c.overdue = false AND c.dueDate < @now",
    );
  });
});
