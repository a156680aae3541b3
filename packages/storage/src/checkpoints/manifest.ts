import { CHECKPOINT_PARTS, CheckpointError, type CheckpointPart, sha256Hex } from '@metatrain/core';

export const MANIFEST_FORMAT = 'metatrain-checkpoint/1';

/** MANIFEST.json: written last; a checkpoint is complete only when it exists and matches. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  jobId: string;
  version: number;
  createdAt: string;
  parts: Record<CheckpointPart, { sha256: string; bytes: number }>;
}

export function buildManifest(jobId: string, version: number, parts: Record<CheckpointPart, Uint8Array>): Manifest {
  const entries = CHECKPOINT_PARTS.map((p) => [p, { sha256: sha256Hex(parts[p]), bytes: parts[p].length }] as const);
  return {
    format: MANIFEST_FORMAT,
    jobId,
    version,
    createdAt: new Date().toISOString(),
    parts: Object.fromEntries(entries) as Manifest['parts'],
  };
}

/** Parses and checks MANIFEST.json of `version`; throws CheckpointError naming what is wrong. */
export function parseManifest(bytes: Uint8Array, version: number): Manifest {
  let m: Partial<Manifest> | null;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Partial<Manifest> | null;
  } catch (err) {
    throw new CheckpointError(`MANIFEST.json is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof m !== 'object' || m === null || m.format !== MANIFEST_FORMAT) {
    throw new CheckpointError(`MANIFEST.json is not a ${MANIFEST_FORMAT} manifest`);
  }
  if (m.version !== version) throw new CheckpointError(`MANIFEST.json says version ${String(m.version)}, its directory ${version}`);
  const parts = m.parts as Record<string, { sha256?: unknown; bytes?: unknown } | undefined> | undefined;
  for (const part of CHECKPOINT_PARTS) {
    const entry = parts?.[part];
    if (typeof entry?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256) || !Number.isSafeInteger(entry.bytes)) {
      throw new CheckpointError(`MANIFEST.json has no valid entry for ${part}`);
    }
  }
  return m as Manifest;
}
