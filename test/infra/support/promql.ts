/** A metatrain metric name, as a PromQL expression names it (a histogram by `_bucket`, `_sum`, `_count`). */
const METRIC = /\bmetatrain_[a-z0-9_]+\b/g;
/** A selector's braces after a metric name: `name{a="x", b=~"y"}`. */
const SELECTOR = /\b(metatrain_[a-z0-9_]+)\{([^}]*)\}/g;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/;
/** `by (a, b)` or `without (a)`. */
const GROUPING = /\b(?:by|without)\s*\(([^)]*)\)/g;

/**
 * Labels Prometheus adds to every series at scrape time that an expression may group by. Not
 * `job`, the scrape job: grouping by it would merge every job's series.
 */
const TARGET_LABELS = ['instance', 'namespace', 'pod'];

/** The label names every sample of each metric carries, from a process's exposition. */
export type MetricCatalog = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * What in `expr` does not match `catalog`, one line each (empty when all is well): a metric the
 * code does not export, a selector on a label that metric lacks, a grouping by a label none of
 * the expression's metrics (or the scrape) has, and any use of `job` — a per-job series is
 * labelled `job_id`, because Prometheus keeps `job` for its scrape job.
 */
export function promqlErrors(expr: string, catalog: MetricCatalog): string[] {
  const errors: string[] = [];
  const names = [...new Set(expr.match(METRIC) ?? [])];
  if (names.length === 0) errors.push('names no metatrain metric');
  for (const name of names) if (!catalog.has(name)) errors.push(`${name} is not a metric the code exports`);
  for (const [, name, matchers] of expr.matchAll(SELECTOR)) {
    const labels = catalog.get(name as string);
    for (const matcher of (matchers as string).split(',').filter((m) => m.trim() !== '')) {
      const label = MATCHER.exec(matcher)?.[1];
      if (label === undefined) errors.push(`${name}: cannot read the matcher ${matcher.trim()}`);
      else if (labels && !labels.has(label)) errors.push(`${name} has no label ${label}`);
    }
  }
  const known = new Set([...TARGET_LABELS, ...names.flatMap((n) => [...(catalog.get(n) ?? [])])]);
  for (const [, list] of expr.matchAll(GROUPING)) {
    for (const label of (list as string).split(',').map((l) => l.trim()).filter((l) => l !== '')) {
      if (!known.has(label)) errors.push(`groups by ${label}, which none of ${names.join(', ')} has`);
    }
  }
  return errors;
}
