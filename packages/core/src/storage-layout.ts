// Every key of a job's storage, and every file of a run directory, named in one place.
//
// A job's keys sit below its root: `jobs/{jobId}/` in a coordinator's bucket (or directory),
// the run directory itself for `train` and `local` (root '').
//
//   {root}spec.json                             the validated spec, as JSON
//   {root}checkpoints/{version}/…               a checkpoint: params.bin, optimizer.bin, state.json, MANIFEST.json
//   {root}LATEST                                the newest checkpoint's version, written after its manifest
//   {root}export/{model.json|weights.bin|meta.json}
//   {root}history/{chunk}.jsonl                 the job's rounds and evaluations, a batch per chunk (coordinator jobs)
//
// Shared by a coordinator's jobs:
//
//   data/sha256/{hex}                           a data file a spec names (`sha256:<hex>`), shared by the jobs that name it
//
// `{version}` is the parameter version the checkpoint holds, 8 digits, zero-padded, so that
// keys sort in version order. A run directory also holds RUN_FILES (metrics, learning curves,
// the coordinator's own storage under `local`).

/** The files of an export; meta.json marks a directory as an export, so writers put it last. */
export const EXPORT_FILES = ['model.json', 'weights.bin', 'meta.json'] as const;

/** One of {@link EXPORT_FILES}. */
export type ExportFile = (typeof EXPORT_FILES)[number];

/** The parts of a checkpoint besides its manifest, in the order they are written. */
export const CHECKPOINT_PARTS = ['params.bin', 'optimizer.bin', 'state.json'] as const;

/** One of {@link CHECKPOINT_PARTS}. */
export type CheckpointPart = (typeof CHECKPOINT_PARTS)[number];

/** The file that completes a checkpoint: sha256 and size of every part. */
export const CHECKPOINT_MANIFEST = 'MANIFEST.json';

const VERSION_DIGITS = 8;

/** The keys of one job's storage, all below its root. */
export interface JobKeys {
  /** The job's id (a run directory's: the spec's name); checkpoint manifests and messages name it. */
  readonly jobId: string;
  /** The prefix every key of the job starts with: '' (a run directory) or ending in '/'. */
  readonly root: string;
  readonly spec: string;
  readonly latest: string;
  /** The prefix of all of the job's checkpoints. */
  readonly checkpoints: string;
  /** The directory (prefix, ending in '/') of the checkpoint of parameter version `version`. */
  checkpoint(version: number): string;
  /** The directory (prefix, ending in '/') of the export. */
  readonly export: string;
  exportFile(file: ExportFile): string;
  /** The prefix of the job's history: its rounds' and evaluations' metrics, written as it goes. */
  readonly history: string;
  /** The `chunk`th batch of the job's history (0, 1, …; keys sort in the order written). */
  historyChunk(chunk: number): string;
}

/** The keys of a job whose files are below `root` ('' or a prefix ending in '/'). */
function jobKeys(jobId: string, root: string): JobKeys {
  const checkpoints = `${root}checkpoints/`;
  const exportDir = `${root}export/`;
  return {
    jobId,
    root,
    spec: `${root}spec.json`,
    latest: `${root}LATEST`,
    checkpoints,
    checkpoint: (version) => `${checkpoints}${String(version).padStart(VERSION_DIGITS, '0')}/`,
    export: exportDir,
    exportFile: (file) => `${exportDir}${file}`,
    history: `${root}history/`,
    historyChunk: (chunk) => `${root}history/${String(chunk).padStart(VERSION_DIGITS, '0')}.jsonl`,
  };
}

/** Where each job's keys are. */
export const storageKeys = {
  /** A job on a coordinator: below `jobs/{jobId}/` of the coordinator's storage. */
  coordinatorJob: (jobId: string): JobKeys => jobKeys(jobId, `jobs/${jobId}/`),
  /** A `train` run: the run directory is the job's root. */
  runDirectory: (jobName: string): JobKeys => jobKeys(jobName, ''),
} as const;

/**
 * The files of a run directory (`train --out`, `local --out`) besides the job's keys: paths
 * relative to the run directory.
 */
export const RUN_FILES = {
  /** One line per round, as the run goes. */
  metrics: 'metrics.jsonl',
  /** Drawn from metrics.jsonl when the run ends. */
  learningCurves: 'learning-curves.svg',
  /** Under `local`: the coordinator's own storage (its `jobs/{jobId}/`); the run's export is copied out of it. */
  coordinatorStorage: '.coordinator',
} as const;

/**
 * The version of a checkpoint directory's entry `key` (relative to `JobKeys.checkpoints`),
 * with the file's name; undefined for a key that is not `{digits}/{file}`.
 */
export function parseCheckpointEntry(relativeKey: string): { version: number; file: string } | undefined {
  const match = /^(\d+)\/([^/]+)$/.exec(relativeKey);
  if (!match?.[1] || !match[2]) return undefined;
  const version = Number(match[1]);
  return Number.isSafeInteger(version) ? { version, file: match[2] } : undefined;
}

/** The chunk number of a history entry `relativeKey` (relative to `JobKeys.history`); undefined for another key. */
export function parseHistoryChunk(relativeKey: string): number | undefined {
  const match = /^(\d+)\.jsonl$/.exec(relativeKey);
  return match?.[1] ? Number(match[1]) : undefined;
}

/** Where a data file uploaded with a job (`sha256:<hex>` in its spec) is stored, content-addressed. */
export function dataKey(sha256: string): string {
  return `data/sha256/${sha256}`;
}
