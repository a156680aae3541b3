import type { BlockPlan, IndexedTaskMetrics, ParamSet, ParamShape } from '@metatrain/core';

// Each check returns why a report's content is unusable, or undefined when it is fine. The
// reasons go back to the worker (ReportShardResponse.reason), so they use the wire's field names.

/**
 * Whether `sum` holds `blocks` sums in the job's layout: exactly the job's parameter names, in
 * layout order, each with a leading axis of `blocks` before the parameter's own shape.
 */
export function layoutProblem(sum: ParamSet, layout: readonly ParamShape[], blocks: number): string | undefined {
  if (sum.length !== layout.length) {
    return `sum: ${sum.length} parameters, the job's layout has ${layout.length}`;
  }
  for (let i = 0; i < layout.length; i++) {
    const got = sum[i];
    const want = layout[i];
    if (!got || !want) return `sum: parameter ${i} is missing`;
    const stacked = { name: want.name, shape: [blocks, ...want.shape] };
    if (got.name !== want.name || !sameShape(got.shape, stacked.shape)) {
      return `sum: parameter ${i} is ${describe(got)}, expected ${describe(stacked)}: block_count (${blocks}) sums of the job's ${describe(want)}`;
    }
    const size = stacked.shape.reduce((a, b) => a * b, 1);
    if (got.values.length !== size) {
      return `sum: parameter ${i} ${describe(stacked)} has ${got.values.length} values, its shape needs ${size}`;
    }
  }
  return undefined;
}

/** Whether any value of `sum` is NaN or ±Infinity: one such value would poison θ for good. */
export function nonFiniteProblem(sum: ParamSet): string | undefined {
  for (const p of sum) {
    const values = p.values;
    for (let k = 0; k < values.length; k++) {
      const v = values[k] as number;
      if (!Number.isFinite(v)) return `sum: ${JSON.stringify(p.name)} has a non-finite value (${v}) at element ${k}`;
    }
  }
  return undefined;
}

/**
 * Whether `metrics` has one finite entry per task of `blocks` (consecutive), in task order: the
 * round summary averages them over the meta-batch, so a missing or repeated task would skew it
 * silently.
 */
export function metricsProblem(metrics: readonly IndexedTaskMetrics[], blocks: readonly BlockPlan[]): string | undefined {
  const start = blocks[0]?.start ?? 0;
  const end = blocks.at(-1)?.end ?? start;
  const tasks = end - start;
  if (metrics.length !== tasks) {
    const which = blocks.length === 1 ? `block ${blocks[0]?.index} has` : `blocks ${blocks[0]?.index}..${blocks.at(-1)?.index} have`;
    return `task_metrics: ${metrics.length} entries, ${which} ${tasks} tasks (${start}..${end - 1})`;
  }
  for (let k = 0; k < metrics.length; k++) {
    const m = metrics[k] as IndexedTaskMetrics;
    if (m.task !== start + k) return `task_metrics[${k}].task_index: ${m.task}, expected ${start + k}`;
    for (const key of ['preLoss', 'postLoss', 'preAccuracy', 'postAccuracy'] as const) {
      const v = m[key];
      if (v !== undefined && !Number.isFinite(v)) return `task_metrics[${k}].${snake(key)}: ${v} is not finite`;
    }
  }
  return undefined;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function describe(p: ParamShape): string {
  return `${JSON.stringify(p.name)} [${p.shape.join(', ')}]`;
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
