import { parser } from '@prometheus-io/lezer-promql';

/**
 * Labels Prometheus adds to every series at scrape time that an expression may group by. Not
 * `job`, the scrape job: grouping by it would merge every job's series.
 */
const TARGET_LABELS = ['instance', 'namespace', 'pod'];

/** The label names every sample of each metric carries, from a process's exposition. */
export type MetricCatalog = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * What in `expr` is wrong, one line each (empty when all is well), read with Prometheus's own
 * PromQL grammar (@prometheus-io/lezer-promql): a syntax error, no metatrain metric at all, a
 * metric the code does not export, a selector on a label that metric lacks, and a grouping by
 * a label none of the expression's metrics (or the scrape) has. So `job`, which a per-job
 * series never carries (it is `job_id`), is refused wherever it appears.
 */
export function promqlErrors(expr: string, catalog: MetricCatalog): string[] {
  const errors: string[] = [];
  const text = (node: { from: number; to: number }) => expr.slice(node.from, node.to);
  const selectors: Array<{ name: string; labels: string[] }> = [];
  const grouped: string[] = [];
  parser.parse(expr).iterate({
    enter: ({ node }) => {
      if (node.type.isError) errors.push(`syntax error at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`);
      if (node.name === 'VectorSelector') {
        const name = node.getChild('Identifier');
        const matchers = node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? [];
        selectors.push({ name: name ? text(name) : '', labels: matchers.map((m) => m.getChild('LabelName')).flatMap((l) => (l ? [text(l)] : [])) });
      }
      if (node.name === 'GroupingLabels') grouped.push(...node.getChildren('LabelName').map(text));
    },
  });
  const names = [...new Set(selectors.map((s) => s.name).filter((n) => n.startsWith('metatrain_')))];
  if (names.length === 0) errors.push('names no metatrain metric');
  for (const { name, labels } of selectors) {
    const known = catalog.get(name);
    if (!known) errors.push(`${name} is not a metric the code exports`);
    for (const label of labels) if (known && !known.has(label)) errors.push(`${name} has no label ${label}`);
  }
  const known = new Set([...TARGET_LABELS, ...names.flatMap((n) => [...(catalog.get(n) ?? [])])]);
  for (const label of new Set(grouped)) if (!known.has(label)) errors.push(`groups by ${label}, which none of ${names.join(', ')} has`);
  return errors;
}
