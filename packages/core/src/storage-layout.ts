// Every key of a job's storage (a bucket, or the run directory of `train`), named in one place:
//
//   jobs/{jobId}/spec.json                      the validated spec, as JSON
//   jobs/{jobId}/ckpt/{version}/…               a checkpoint: params.bin, optimizer.bin, state.json, MANIFEST.json
//   jobs/{jobId}/LATEST                         the newest checkpoint's version, written after its manifest
//   jobs/{jobId}/export/{model.json|weights.bin|meta.json}
//   data/sha256/{hex}                           a data file a spec names (`sha256:<hex>`), shared by the jobs that name it
//
// `{version}` is the parameter version the checkpoint holds, 8 digits, zero-padded, so that
// keys sort in version order.

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

/** The keys of one job's storage. */
export const storageKeys = {
  /** Everything of the job is under this prefix. */
  job: (jobId: string) => `jobs/${jobId}/`,
  spec: (jobId: string) => `jobs/${jobId}/spec.json`,
  latest: (jobId: string) => `jobs/${jobId}/LATEST`,
  /** The prefix of all of the job's checkpoints. */
  checkpoints: (jobId: string) => `jobs/${jobId}/ckpt/`,
  /** The directory (prefix, ending in '/') of the checkpoint of parameter version `version`. */
  checkpoint: (jobId: string, version: number) => `jobs/${jobId}/ckpt/${String(version).padStart(VERSION_DIGITS, '0')}/`,
  /** The directory (prefix, ending in '/') of the export. */
  export: (jobId: string) => `jobs/${jobId}/export/`,
  exportFile: (jobId: string, file: ExportFile) => `jobs/${jobId}/export/${file}`,
} as const;

/**
 * The version of a checkpoint directory's entry `key` (relative to `storageKeys.checkpoints`),
 * with the file's name; undefined for a key that is not `{digits}/{file}`.
 */
export function parseCheckpointEntry(relativeKey: string): { version: number; file: string } | undefined {
  const match = /^(\d+)\/([^/]+)$/.exec(relativeKey);
  if (!match?.[1] || !match[2]) return undefined;
  const version = Number(match[1]);
  return Number.isSafeInteger(version) ? { version, file: match[2] } : undefined;
}

/** Where a data file uploaded with a job (`sha256:<hex>` in its spec) is stored, content-addressed. */
export function dataKey(sha256: string): string {
  return `data/sha256/${sha256}`;
}
