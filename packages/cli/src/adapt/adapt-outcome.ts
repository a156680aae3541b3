import { randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { CliFailure } from '../cli-errors';

/** One adaptation, local or through the coordinator, as `metatrain adapt` reports it. */
export interface AdaptOutcome {
  /** the export directory, or `job <id>` */
  model: string;
  algorithm: string;
  family: string;
  kind: 'regression' | 'classification';
  method: 'sgd' | 'prototypes';
  steps: number;
  /** undefined: Meta-SGD's learned rates, or not reported by the coordinator */
  lr: number | undefined;
  supportExamples: number;
  queryExamples: number;
  supportLosses: number[];
  queryLossBefore?: number;
  queryLossAfter?: number;
  queryAccuracyBefore?: number;
  queryAccuracyAfter?: number;
  /** query outputs after adaptation, [queryExamples, width]: values (regression) or logits */
  predictions: Float32Array;
  width: number;
  /** classification with named targets: index → name */
  classNames?: string[];
}

const loss = (v: number) => v.toFixed(4);
const percent = (v: number) => `${(100 * v).toFixed(1)} %`;

/** What `metatrain adapt` prints on stdout. */
export function formatAdaptReport(o: AdaptOutcome): string {
  const how =
    o.method === 'prototypes'
      ? 'class prototypes'
      : `${o.steps} SGD step${o.steps === 1 ? '' : 's'}, ${o.lr === undefined ? 'learned per-parameter learning rates' : `lr ${o.lr}`}`;
  const lines = [`adapted ${o.model} (${o.algorithm}, ${o.family}) to ${o.supportExamples} support examples: ${how}`];
  if (o.method === 'prototypes') {
    lines.push(`support loss (nearest prototype)   ${loss(o.supportLosses[0] ?? Number.NaN)}`);
  } else {
    lines.push('step   support loss', ...o.supportLosses.map((v, i) => `${String(i).padEnd(7)}${loss(v)}`));
  }
  if (o.queryLossAfter === undefined) {
    lines.push(`query: ${o.queryExamples} examples without targets (predictions only)`);
  } else if (o.method === 'prototypes' || o.queryLossBefore === undefined) {
    lines.push(`query: ${o.queryExamples} examples`, `  loss${' '.repeat(20)}${loss(o.queryLossAfter)}`);
    if (o.queryAccuracyAfter !== undefined) lines.push(`  accuracy${' '.repeat(16)}${percent(o.queryAccuracyAfter)}`);
  } else {
    const table: Array<[string, string, string]> = [
      [`query: ${o.queryExamples} examples`, 'before', 'after adaptation'],
      ['  loss', loss(o.queryLossBefore), loss(o.queryLossAfter)],
    ];
    if (o.queryAccuracyBefore !== undefined && o.queryAccuracyAfter !== undefined) {
      table.push(['  accuracy', percent(o.queryAccuracyBefore), percent(o.queryAccuracyAfter)]);
    }
    // The "before" column is as wide as its widest value (a house price's squared error is long).
    const width = Math.max(9, ...table.map(([, before]) => before.length + 1));
    lines.push(...table.map(([label, before, after]) => `${label.padEnd(24)}${before.padEnd(width)}→   ${after}`));
  }
  return `${lines.join('\n')}\n`;
}

function rows(values: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < values.length / width; r++) out.push(Array.from(values.subarray(r * width, (r + 1) * width)));
  return out;
}

function argmax(row: number[]): number {
  return row.reduce((best, v, i) => (v > (row[best] as number) ? i : best), 0);
}

/**
 * The predictions file: for regression one value per query example (an array per example
 * when the model predicts several); for classification the predicted class (its name when the
 * targets were names) and the logits.
 */
export function predictionsJson(o: AdaptOutcome): Record<string, unknown> {
  const outputs = rows(o.predictions, o.width);
  const query: Record<string, number> = { examples: o.queryExamples };
  const put = (key: string, v: number | undefined) => v !== undefined && (query[key] = v);
  put('lossBefore', o.queryLossBefore);
  put('lossAfter', o.queryLossAfter);
  put('accuracyBefore', o.queryAccuracyBefore);
  put('accuracyAfter', o.queryAccuracyAfter);
  const base = { model: o.model, algorithm: o.algorithm, steps: o.steps, lr: o.lr ?? null, supportLosses: o.supportLosses, query };
  if (o.kind === 'regression') return { ...base, predictions: o.width === 1 ? outputs.map((r) => r[0]) : outputs };
  const classes = outputs.map(argmax);
  return { ...base, predictions: o.classNames ? classes.map((c) => o.classNames?.[c] ?? c) : classes, logits: outputs };
}

/** Writes the predictions file atomically (temporary name, then rename). */
export async function writePredictions(path: string, o: AdaptOutcome): Promise<void> {
  const tmp = `${path}.${process.pid}-${randomUUID().slice(0, 8)}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(predictionsJson(o), null, 2)}\n`);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliFailure(`cannot write predictions to ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
