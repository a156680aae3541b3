import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTaskFamily, type JobSpec, RUN_FILES, type TaskFamilyOptions, TRAINING_EVAL_STREAM } from '@metatrain/core';
import { adaptationFor, createComputeContext, evaluateHeldOut } from '@metatrain/metalearn';
import { formatReport } from './format-report';
import { learningCurvesSvg } from './learning-curves';
import { type MetricsLine, MetricsLog } from './metrics-log';
import { readExportDir } from './read-export-dir';

/** Tasks of the held-out evaluation a finished run prints. */
const HELD_OUT_TASKS = 100;

interface LossWindow {
  rounds: number;
  mean: number;
}

/** Mean meta-loss over the first and the last rounds of a run (10 %, at most 100). */
export function lossWindows(lines: MetricsLine[]): { start: LossWindow; end: LossWindow } | undefined {
  const rounds = Math.min(100, Math.max(1, Math.floor(lines.length / 10)));
  if (lines.length === 0) return undefined;
  const mean = (part: MetricsLine[]) => ({ rounds: part.length, mean: part.reduce((a, l) => a + l.metaLoss, 0) / part.length });
  return { start: mean(lines.slice(0, rounds)), end: mean(lines.slice(-rounds)) };
}

/** Draws `outDir`/learning-curves.svg from its metrics.jsonl; returns the lines. */
export async function writeLearningCurves(spec: JobSpec, outDir: string, regression: boolean): Promise<MetricsLine[]> {
  const lines = await MetricsLog.read(join(outDir, RUN_FILES.metrics));
  await writeFile(join(outDir, RUN_FILES.learningCurves), learningCurvesSvg(spec.name, lines, regression));
  return lines;
}

/**
 * What `train` and `local` print when a job finished: the meta-loss at the start and the end,
 * and a held-out evaluation of the exported parameters (the same for both: they export the
 * same bytes). Needs a selected backend (`selectBackend`).
 */
export async function finishedRunReport(spec: JobSpec, data: TaskFamilyOptions, outDir: string, exportDir: string): Promise<string> {
  const family = createTaskFamily(spec.tasks, data);
  const lines = await writeLearningCurves(spec, outDir, family.kind === 'regression');
  const { params } = await readExportDir(exportDir);
  const ctx = createComputeContext(spec, family);
  const heldOut = evaluateHeldOut({ model: ctx.model, family, params, adaptation: adaptationFor(ctx), tasks: HELD_OUT_TASKS, seed: spec.seed, stream: TRAINING_EVAL_STREAM });
  return formatReport(spec, outDir, { rounds: spec.outer.iterations, exportDir, metaLoss: lossWindows(lines), heldOut });
}
