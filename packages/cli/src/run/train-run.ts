import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adaptationFor, type ComputeContext, createComputeContext, evaluateHeldOut, evaluatePeriodic, exportModel, type HeldOutReport, initialState, runRoundInProcess, selectBackend } from '@metatrain/metalearn';
import { CheckpointStore, DirectoryStore, fromCheckpoint, toCheckpoint } from '@metatrain/storage';
import { createTaskFamily, evalDue, type JobSpec, type MetaState, type ParamSet, TRAINING_EVAL_STREAM } from '@metatrain/core';
import { CliFailure, EXIT_USAGE } from '../cli-errors';
import { createProgress } from '../ui/progress-bar';
import { learningCurvesSvg } from './learning-curves';
import { type MetricsLine, MetricsLog } from './metrics-log';

export interface TrainRunOptions {
  spec: JobSpec;
  baseDir: string;
  outDir: string;
  resume: boolean;
  log: (line: string) => void;
  /** set to stop after the current round, with a checkpoint (Ctrl-C) */
  shouldStop?: () => boolean;
}

export interface TrainRunResult {
  state: MetaState;
  interrupted: boolean;
  exportDir: string;
  /** mean meta-loss over the first and the last rounds (10 %, at most 100) */
  metaLoss?: { start: LossWindow; end: LossWindow };
  heldOut?: HeldOutReport;
}

interface LossWindow {
  rounds: number;
  mean: number;
}

/** Mean meta-loss over the first and the last rounds of a run. */
export function lossWindows(lines: MetricsLine[]): { start: LossWindow; end: LossWindow } | undefined {
  const rounds = Math.min(100, Math.max(1, Math.floor(lines.length / 10)));
  if (lines.length === 0) return undefined;
  const mean = (part: MetricsLine[]) => ({ rounds: part.length, mean: part.reduce((a, l) => a + l.metaLoss, 0) / part.length });
  return { start: mean(lines.slice(0, rounds)), end: mean(lines.slice(-rounds)) };
}

export function heldOutEval(ctx: ComputeContext, params: ParamSet, tasks: number, stream: number): HeldOutReport {
  return evaluateHeldOut({ model: ctx.model, family: ctx.family, params, adaptation: adaptationFor(ctx), tasks, seed: ctx.spec.seed, stream });
}

async function startingState(ctx: ComputeContext, checkpoints: CheckpointStore, options: TrainRunOptions): Promise<MetaState> {
  const existing = await checkpoints.loadLatest();
  if (!options.resume) {
    if (existing) {
      throw new CliFailure(`${options.outDir} already holds checkpoints of job '${ctx.spec.name}' (round ${existing.round}); pass --resume to continue it, or choose another --out`, EXIT_USAGE);
    }
    return initialState(ctx);
  }
  if (!existing) {
    options.log(`no complete checkpoint in ${options.outDir}; starting from round 0`);
    return initialState(ctx);
  }
  const saved = await checkpoints.loadSpec();
  if (saved !== undefined && JSON.stringify(saved) !== JSON.stringify(ctx.spec)) {
    throw new CliFailure(`the spec differs from the one the checkpoints in ${options.outDir} were trained with; use another --out`, EXIT_USAGE);
  }
  options.log(`resuming job '${ctx.spec.name}' from checkpoint round ${existing.round}`);
  return fromCheckpoint(ctx.layout, existing);
}

/** Runs a whole job in this process: rounds, checkpoints, metrics, plot and export. */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const { spec, log } = options;
  const family = createTaskFamily(spec.tasks, { baseDir: options.baseDir });
  const backend = await selectBackend({ log });
  const ctx = createComputeContext(spec, family);
  await mkdir(options.outDir, { recursive: true });
  const store = new DirectoryStore(options.outDir);
  const checkpoints = new CheckpointStore(store, spec.name, {
    keep: spec.checkpoint.keep,
    onSkip: (round, reason) => log(`checkpoint ${round} skipped: ${reason}`),
  });
  let state = await startingState(ctx, checkpoints, options);
  await checkpoints.saveSpec(JSON.stringify(spec));
  const metricsPath = join(options.outDir, 'metrics.jsonl');
  const metrics = await MetricsLog.open(metricsPath, state.round);
  const total = spec.outer.iterations;
  const progress = createProgress({ total, stream: process.stderr });
  const saveCheckpoint = async () => {
    await checkpoints.save(toCheckpoint(state, backend.name));
  };
  let pending: MetricsLine[] = [];
  let interrupted = false;
  let smoothedLoss: number | undefined;
  while (state.round < total) {
    const started = performance.now();
    const { state: next, summary } = runRoundInProcess(ctx, state);
    state = next;
    const ms = performance.now() - started;
    const line: MetricsLine = { ...summary, ms, tasksPerSecond: (summary.tasks * 1000) / ms };
    if (evalDue(spec, state.round)) line.eval = evaluatePeriodic(ctx, state.params);
    pending.push(line);
    smoothedLoss = smoothedLoss === undefined ? summary.metaLoss : 0.95 * smoothedLoss + 0.05 * summary.metaLoss;
    progress.update(state.round, { 'meta-loss': smoothedLoss.toFixed(4), 'tasks/s': Math.round(line.tasksPerSecond) });
    interrupted = options.shouldStop?.() ?? false;
    if (state.round % spec.checkpoint.everyRounds === 0 || state.round === total || interrupted) {
      await metrics.append(pending);
      pending = [];
      await saveCheckpoint();
    }
    if (interrupted) break;
  }
  progress.finish();
  await metrics.append(pending);
  const lines = await MetricsLog.read(metricsPath);
  await writeFile(join(options.outDir, 'learning-curves.svg'), learningCurvesSvg(spec.name, lines, family.kind === 'regression'));
  const exportDir = join(options.outDir, 'jobs', spec.name, 'export');
  if (interrupted) {
    log(`stopped after round ${state.round}; checkpoint saved. Continue with --resume.`);
    return { state, interrupted, exportDir };
  }
  const files = await exportModel(ctx, state.params, { rounds: state.round, backend: backend.name, dataDir: options.baseDir });
  for (const [name, bytes] of files) await store.put(`jobs/${spec.name}/export/${name}`, bytes);
  const heldOut = heldOutEval(ctx, state.params, 100, TRAINING_EVAL_STREAM);
  return { state, interrupted, exportDir, metaLoss: lossWindows(lines), heldOut };
}
