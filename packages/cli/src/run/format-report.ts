import type { HeldOutReport, MetricCi } from '@metatrain/metalearn';
import { join } from 'node:path';
import { type JobSpec, RUN_FILES } from '@metatrain/core';

/** What a finished run reports: `train`'s result, or `local`'s. */
export interface RunReport {
  rounds: number;
  exportDir: string;
  /** Mean meta-loss over the first and the last rounds. */
  metaLoss?: { start: { rounds: number; mean: number }; end: { rounds: number; mean: number } };
  heldOut?: HeldOutReport;
}

function ci(m: MetricCi | undefined, percent = false): string {
  if (!m) return '-';
  return percent ? `${(100 * m.mean).toFixed(1)} % ± ${(100 * m.ci95).toFixed(1)}` : `${m.mean.toFixed(4)} ± ${m.ci95.toFixed(4)}`;
}

/** The held-out table printed by `train` and `eval`; ProtoNets have no before/after, one column. */
export function formatHeldOut(report: HeldOutReport, prototypes = false): string {
  if (prototypes) {
    const rows = [`                      nearest prototype`, `  loss                ${ci(report.after.loss)}`];
    if (report.after.accuracy) rows.push(`  accuracy            ${ci(report.after.accuracy, true)}`);
    if (report.after.macroF1) rows.push(`  macro-F1            ${ci(report.after.macroF1)}`);
    return `${rows.join('\n')}\n`;
  }
  const rows = [`                      before adaptation      after adaptation`, `  loss                ${ci(report.before.loss).padEnd(22)} ${ci(report.after.loss)}`];
  if (report.after.accuracy) rows.push(`  accuracy            ${ci(report.before.accuracy, true).padEnd(22)} ${ci(report.after.accuracy, true)}`);
  if (report.after.macroF1) rows.push(`  macro-F1            ${ci(report.before.macroF1).padEnd(22)} ${ci(report.after.macroF1)}`);
  return `${rows.join('\n')}\n`;
}

/** What `train` and `local` print on stdout when a job finishes: what it learned, where things are. */
export function formatReport(spec: JobSpec, outDir: string, result: RunReport): string {
  const lines = [`job ${spec.name}: ${spec.algorithm} on ${spec.tasks.family}, ${result.rounds} rounds`];
  const { start, end } = result.metaLoss ?? {};
  if (start && end) {
    lines.push(`meta-loss (query loss after adaptation), mean of ${start.rounds} rounds: ${start.mean.toFixed(4)} at the start → ${end.mean.toFixed(4)} at the end`);
  }
  if (result.heldOut) {
    lines.push(`held-out tasks (${result.heldOut.tasks}), mean ± 95 % CI:`, formatHeldOut(result.heldOut, spec.algorithm === 'protonet').trimEnd());
  }
  lines.push(`export:      ${result.exportDir}`, `metrics:     ${join(outDir, RUN_FILES.metrics)}`, `curves:      ${join(outDir, RUN_FILES.learningCurves)}`);
  return `${lines.join('\n')}\n`;
}
