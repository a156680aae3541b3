import { CHECKPOINT_MANIFEST, CHECKPOINT_PARTS, CheckpointError, type CheckpointPart, type JobKeys, type ParamSet, parseCheckpointEntry, sha256Hex } from '@metatrain/core';
import { assertValidKey, type BlobStore } from '../blob-store';
import { buildManifest, parseManifest } from './manifest';
import { decodeNamedArrays, encodeNamedArrays } from './named-arrays';

/** Everything needed to resume a job at parameter version `version` (after `version` rounds). */
export interface Checkpoint {
  version: number;
  params: ParamSet;
  /** The outer optimizer's state as named arrays (Adam moments, ...). */
  optimizer: ParamSet;
  /** Small JSON-serialisable state: step counters, annealing, history needed to resume. */
  state: Record<string, unknown>;
}

export interface CheckpointStoreOptions {
  /** How many complete checkpoints save() keeps. @default 3 */
  keep?: number;
  /** Told about each checkpoint loadLatest() passes over, and why. @default ignore */
  onSkip?: (version: number, reason: string) => void;
}

const MANIFEST = CHECKPOINT_MANIFEST;

/**
 * A job's checkpoints in a BlobStore, under the keys of the job (`storageKeys`: spec.json,
 * checkpoints/, LATEST below the job's root).
 *
 * The manifest (sha256 and size of each part) is written after the parts and LATEST after the
 * manifest, so a crash at any point leaves the previous checkpoint loadable.
 */
export class CheckpointStore {
  readonly #store: BlobStore;
  readonly #keep: number;
  readonly #onSkip: (version: number, reason: string) => void;

  constructor(
    store: BlobStore,
    /** Where the job's files are: `storageKeys.coordinatorJob(id)` or `storageKeys.runDirectory(name)`. */
    readonly keys: JobKeys,
    options: CheckpointStoreOptions = {},
  ) {
    // An id with a '/' would put the job's root inside another job's.
    if (keys.jobId.includes('/')) throw new CheckpointError(`invalid job id ${JSON.stringify(keys.jobId)}: contains '/'`);
    assertValidKey(keys.spec);
    const keep = options.keep ?? 3;
    if (!Number.isSafeInteger(keep) || keep < 1) throw new CheckpointError(`keep must be a positive integer, got ${keep}`);
    this.#store = store;
    this.#keep = keep;
    this.#onSkip = options.onSkip ?? (() => undefined);
  }

  /** Stores the job spec; a string must already be JSON and is stored as given. */
  async saveSpec(spec: string | Record<string, unknown>): Promise<void> {
    let text = spec;
    if (typeof text === 'string') {
      try {
        JSON.parse(text);
      } catch (err) {
        throw new CheckpointError(`spec is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
    } else {
      text = `${JSON.stringify(text, null, 2)}\n`;
    }
    await this.#store.put(this.keys.spec, new TextEncoder().encode(text));
  }

  /** The stored spec, parsed, or undefined when none was saved. */
  async loadSpec(): Promise<unknown> {
    const bytes = await this.#store.get(this.keys.spec);
    return bytes && (JSON.parse(new TextDecoder().decode(bytes)) as unknown);
  }

  /** Writes the parts, then the manifest, then LATEST; then prunes to the newest `keep`. */
  async save(ckpt: Checkpoint): Promise<void> {
    if (!Number.isSafeInteger(ckpt.version) || ckpt.version < 0) {
      throw new CheckpointError(`checkpoint version must be a non-negative integer, got ${ckpt.version}`);
    }
    const parts: Record<CheckpointPart, Uint8Array> = {
      'params.bin': encodeNamedArrays(ckpt.params),
      'optimizer.bin': encodeNamedArrays(ckpt.optimizer),
      'state.json': new TextEncoder().encode(`${JSON.stringify(ckpt.state)}\n`),
    };
    const dir = this.#dir(ckpt.version);
    // Rewriting a checkpoint: make it incomplete first, so no reader trusts a half-replaced set.
    await this.#store.delete(`${dir}${MANIFEST}`);
    await Promise.all(CHECKPOINT_PARTS.map((p) => this.#store.put(`${dir}${p}`, parts[p])));
    const manifest = buildManifest(this.keys.jobId, ckpt.version, parts);
    await this.#store.put(`${dir}${MANIFEST}`, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
    await this.#store.put(this.keys.latest, new TextEncoder().encode(`${ckpt.version}\n`));
    await this.#prune();
  }

  /**
   * The newest checkpoint that is complete and intact, or undefined when there is none. Looks
   * at every checkpoint directory (LATEST may lag or be lost), newest first; a checkpoint without a
   * manifest, with a missing part or a checksum mismatch is reported to onSkip and passed
   * over. Storage errors are not integrity problems: they propagate.
   */
  async loadLatest(): Promise<Checkpoint | undefined> {
    const versions = [...(await this.#listVersions()).keys()].sort((a, b) => b - a);
    for (const version of versions) {
      try {
        return await this.load(version);
      } catch (err) {
        if (!(err instanceof CheckpointError)) throw err;
        this.#onSkip(version, err.message);
      }
    }
    return undefined;
  }

  /** Loads and verifies one checkpoint; throws CheckpointError when it is incomplete or corrupted. */
  async load(version: number): Promise<Checkpoint> {
    const dir = this.#dir(version);
    const manifestBytes = await this.#store.get(`${dir}${MANIFEST}`);
    if (!manifestBytes) throw new CheckpointError(`round ${version}: no ${MANIFEST} (incomplete checkpoint)`);
    const manifest = parsePart(version, undefined, () => parseManifest(manifestBytes, version));
    const bytes = await Promise.all(CHECKPOINT_PARTS.map((p) => this.#store.get(`${dir}${p}`)));
    const parts = {} as Record<CheckpointPart, Uint8Array>;
    CHECKPOINT_PARTS.forEach((part, i) => {
      const got = bytes[i];
      const want = manifest.parts[part];
      if (!got) throw new CheckpointError(`round ${version}: ${part} is missing`);
      if (got.length !== want.bytes) {
        throw new CheckpointError(`round ${version}: ${part} has ${got.length} bytes, the manifest says ${want.bytes}`);
      }
      if (sha256Hex(got) !== want.sha256) throw new CheckpointError(`round ${version}: ${part} fails its sha256 check`);
      parts[part] = got;
    });
    return {
      version,
      params: parsePart(version, 'params.bin', () => decodeNamedArrays(parts['params.bin'])),
      optimizer: parsePart(version, 'optimizer.bin', () => decodeNamedArrays(parts['optimizer.bin'])),
      state: parsePart(version, 'state.json', () => parseState(parts['state.json'])),
    };
  }

  /** Versions that have a manifest (complete unless corrupted), oldest first. */
  async versions(): Promise<number[]> {
    const dirs = await this.#listVersions();
    return [...dirs].filter(([, files]) => files.has(MANIFEST)).map(([r]) => r).sort((a, b) => a - b);
  }

  /** Deletes every checkpoint older than the `keep`-th newest one with a manifest. */
  async #prune(): Promise<void> {
    const dirs = await this.#listVersions();
    const complete = [...dirs].filter(([, files]) => files.has(MANIFEST)).map(([r]) => r).sort((a, b) => b - a);
    const oldestKept = complete[this.#keep - 1];
    if (oldestKept === undefined) return;
    for (const [version, files] of dirs) {
      if (version >= oldestKept) continue;
      const dir = this.#dir(version);
      // Manifest first: a half-deleted checkpoint must look incomplete, not corrupted-but-listed.
      if (files.has(MANIFEST)) await this.#store.delete(`${dir}${MANIFEST}`);
      await Promise.all([...files].filter((f) => f !== MANIFEST).map((f) => this.#store.delete(`${dir}${f}`)));
    }
  }

  /** Version → names of the files in its directory (any depth below is ignored). */
  async #listVersions(): Promise<Map<number, Set<string>>> {
    const prefix = this.keys.checkpoints;
    const dirs = new Map<number, Set<string>>();
    for (const key of await this.#store.list(prefix)) {
      const entry = parseCheckpointEntry(key.slice(prefix.length));
      if (!entry) continue;
      const files = dirs.get(entry.version) ?? new Set<string>();
      files.add(entry.file);
      dirs.set(entry.version, files);
    }
    return dirs;
  }

  #dir(version: number): string {
    return this.keys.checkpoint(version);
  }
}

function parseState(bytes: Uint8Array): Record<string, unknown> {
  const state = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) throw new Error('not a JSON object');
  return state as Record<string, unknown>;
}

/** Runs a pure parser; its failure means the content is bad, reported as the checkpoint's problem. */
function parsePart<T>(version: number, part: string | undefined, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new CheckpointError(`round ${version}: ${part ? `${part}: ` : ''}${message}`);
  }
}
