import { describe, expect, it } from 'vitest';
import { METRICS } from '../../shared/telemetry/metrics.js';
import { readRepoFile, resourcesOfType } from './templates.js';

/**
 * docs/observability.md against what it documents: every metric the app sends, every workbook
 * panel with its exact query, every alert with its exact query (as Bicep deploys them). Editing a
 * query in one place and not the other fails here.
 */
const doc = () => readRepoFile('docs/observability.md');
const normalise = (kql: string) => kql.replace(/\s+/g, ' ').trim();
/** The KQL blocks of the doc, whitespace normalised. */
const kqlBlocks = () => [...doc().matchAll(/```kql\n([\s\S]*?)```/g)].map((match) => normalise(match[1]!));

describe('docs/observability.md', () => {
  it('documents every custom metric the app sends, in the metrics table', () => {
    const rows = [...doc().matchAll(/^\| `([a-zA-Z]+\.[a-zA-Z]+)` \|/gm)].map((match) => match[1]);
    const missing = Object.keys(METRICS).filter((name) => !rows.includes(name));
    expect(missing, 'metrics without a row in the metrics table').toEqual([]);
    const unknown = rows.filter((name) => !(name! in METRICS));
    expect(unknown, 'rows for metrics the app does not send').toEqual([]);
  });

  it('documents every workbook panel under its name, with the query the workbook runs', () => {
    const workbook = JSON.parse(readRepoFile('bicep/workbooks/operations.json')) as { items: { type: number; name: string; content: { query?: string } }[] };
    const panels = workbook.items.filter((item) => item.content.query !== undefined);
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) {
      expect(doc(), `a heading for panel ${panel.name}`).toContain(`#### \`${panel.name}\``);
      expect(kqlBlocks(), `the query of panel ${panel.name}`).toContain(normalise(panel.content.query!));
    }
  });

  it('documents every alert with the query Bicep deploys, and a runbook (means, look at, recover)', () => {
    const rules = resourcesOfType('Microsoft.Insights/scheduledQueryRules');
    expect(rules.length).toBeGreaterThanOrEqual(6);
    const sections = doc().split(/^### /m);
    for (const rule of rules) {
      const name = rule.statement.name;
      const query = /query: '((?:[^'\\]|\\.)*)'/.exec(rule.text('properties.criteria') ?? '')?.[1];
      expect(query, `${name}: a query`).toBeDefined();
      const section = sections.find((text) => text.startsWith(`\`${name}\``));
      expect(section, `a section for alert ${name}`).toBeDefined();
      expect(section, `the query of alert ${name}`).toContain(query!);
      for (const part of ['**Means**', '**Look at**', '**Recover**']) expect(section, `${name}: ${part}`).toContain(part);
    }
    const metricAlerts = resourcesOfType('Microsoft.Insights/metricAlerts');
    for (const alert of metricAlerts) {
      const section = sections.find((text) => text.startsWith(`\`${alert.statement.name}\``));
      expect(section, `a section for metric alert ${alert.statement.name}`).toContain('DeadletteredMessages');
    }
  });
});
