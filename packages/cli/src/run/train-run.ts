import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTaskFamily, type JobSpec, RUN_FILES, storageKeys } from '@metatrain/core';
import { CheckpointsExistError, JobLoop, SpecMismatchError } from '@metatrain/job-loop';
import { InProcessShards, inProcessExporter } from '@metatrain/job-loop/in-process';
import { createComputeContext, selectBackend } from '@metatrain/metalearn';
import { DirectoryStore } from '@metatrain/storage';
import { CliFailure, EXIT_USAGE } from '../cli-errors';
import { createProgress, type Progress } from '../ui/progress-bar';
import { MetricsLog } from './metrics-log';
import { type RunPlacement, runExistsFailure } from './place-run';
import { runExportDir } from './run-directory';
import { writeLearningCurves } from './run-report';

export interface TrainRunOptions {
  spec: JobSpec;
  /** Relative data paths of the spec resolve against it (the spec file's directory). */
  baseDir: string;
  /** The local copies of the catalog datasets and pinned URLs the spec names (`fetchSpecData`). */
  files: ReadonlyMap<string, string>;
  /** The run directory (`placeRun`) and whether to continue the run in it. */
  place: RunPlacement;
  log: (line: string) => void;
  /** Aborted to stop with a checkpoint of the last complete round (Ctrl-C). */
  stop?: AbortSignal;
}

export interface TrainRunResult {
  /** Rounds completed. */
  rounds: number;
  interrupted: boolean;
  /** The run directory. */
  outDir: string;
  exportDir: string;
}

/** Weight of the newest round in the smoothed meta-loss of the progress bar. */
const SMOOTHING = 0.05;

/**
 * Runs a whole job in this process: the job loop with its shards computed here, the run
 * directory as the job's storage (spec.json, LATEST, checkpoints/, export/ at its top),
 * metrics.jsonl and a progress bar.
 */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const { spec, log } = options;
  const { dir: outDir, existing } = options.place;
  const keys = storageKeys.runDirectory(spec.name);
  const family = createTaskFamily(spec.tasks, { baseDir: options.baseDir, files: options.files });
  // The spec's resources.backend, when it names one, is the job's backend wherever it runs.
  const backend = await selectBackend({ prefer: spec.resources.backend, preferredBy: 'resources.backend', log });
  const ctx = createComputeContext(spec, family);
  await mkdir(outDir, { recursive: true });
  let progress: Progress | undefined;
  let metrics: MetricsLog | undefined;
  let smoothedLoss: number | undefined;
  let loop: JobLoop;
  try {
    loop = await JobLoop.open({
      keys,
      setup: ctx,
      shards: new InProcessShards(ctx, backend.name),
      storage: new DirectoryStore(outDir),
      exportModel: inProcessExporter(ctx),
      existing,
      backends: [backend.name],
      dataDir: options.baseDir,
      observer: {
        started: async ({ version, resumed }) => {
          if (resumed) log(`resuming job '${spec.name}' from checkpoint round ${version}`);
          else if (existing === 'resume') log(`no complete checkpoint in ${outDir}; starting from round 0`);
          metrics = await MetricsLog.open(join(outDir, RUN_FILES.metrics), spec, version);
          progress = createProgress({ total: spec.outer.iterations, start: version, stream: process.stderr });
        },
        checkpointSkipped: (version, reason) => log(`checkpoint ${version} skipped: ${reason}`),
        roundCompleted: async (round) => {
          await metrics?.round(round);
          smoothedLoss = smoothedLoss === undefined ? round.metaLoss : (1 - SMOOTHING) * smoothedLoss + SMOOTHING * round.metaLoss;
          progress?.update(round.round + 1, { 'meta-loss': smoothedLoss.toFixed(4), 'tasks/s': Math.round(round.tasksPerSecond) });
        },
        evalCompleted: (evaluation) => metrics?.evaluation(evaluation),
      },
    });
  } catch (err) {
    // placeRun refused a directory holding a run already; this one appeared since (another run).
    if (err instanceof CheckpointsExistError) throw runExistsFailure(outDir, true);
    if (err instanceof SpecMismatchError) {
      throw new CliFailure(`the spec differs from the one the run in ${outDir} was trained with; pass --force to replace that run, or choose another --out`, EXIT_USAGE);
    }
    throw err;
  }
  const stop = () => loop.stop();
  options.stop?.addEventListener('abort', stop, { once: true });
  try {
    const end = await loop.run();
    progress?.finish();
    await metrics?.flush();
    await writeLearningCurves(spec, outDir, family.kind === 'regression');
    const exportDir = runExportDir(outDir);
    if (end !== 'succeeded') log(`stopped after round ${loop.version}; checkpoint saved in ${outDir}. Continue with --resume.`);
    return { rounds: loop.version, interrupted: end !== 'succeeded', outDir, exportDir };
  } finally {
    options.stop?.removeEventListener('abort', stop);
  }
}
