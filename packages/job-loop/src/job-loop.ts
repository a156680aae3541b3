import {
  applyRound,
  EXPORT_FILES,
  type EvalMetrics,
  initialState,
  type JobKeys,
  type JobLayout,
  type MetaState,
  type ParamSet,
  planEvalBlocks,
  planRoundBlocks,
  type RoundMetrics,
  type ShardKind,
  summarizeEval,
} from '@metatrain/core';
import { type BlobStore, type Checkpoint, CheckpointStore } from '@metatrain/storage';
import { checkpointDue, evalDue, nextCollection } from './cadence';
import { CheckpointsExistError, SpecMismatchError } from './errors';
import { fromCheckpoint, type SavedState, toCheckpoint } from './job-state';
import type { ShardRunner, UpcomingCollection } from './shard-runner';

/** What an export records besides the parameters (@metatrain/metalearn's ExportInfo). */
export interface ExportInfo {
  rounds: number;
  backend: string;
  /** Where relative data paths of the spec resolve. */
  dataDir?: string;
}

/** Builds the export files (model.json, weights.bin, meta.json) of trained parameters. */
export type ModelExporter = (params: ParamSet, info: ExportInfo) => Promise<Map<string, Uint8Array>>;

/** What the loop tells as it goes; every method is optional and may be async (the loop waits). */
export interface JobLoopObserver {
  /** The loop starts at `version`: 0, or the checkpoint it resumed from. */
  started?(start: { version: number; resumed: boolean }): void | Promise<void>;
  checkpointSkipped?(version: number, reason: string): void;
  roundCompleted?(metrics: RoundMetrics): void | Promise<void>;
  evalCompleted?(metrics: EvalMetrics): void | Promise<void>;
  /**
   * Checkpoint `version` is about to be written, in the background (the next round runs
   * meanwhile); it is written once this resolves. The coordinator writes the job's history up
   * to here first, so that a resume from it never leaves a gap.
   */
  checkpointing?(version: number): void | Promise<void>;
  /** `location` is where the checkpoint lives (`file://…` or `s3://…`). */
  checkpointWritten?(version: number, location: string): void | Promise<void>;
  /**
   * An attempt to write checkpoint `version` failed: each attempt a storage step retries (an
   * outage the coordinator waits out), and the last one, which fails the job.
   */
  checkpointFailed?(version: number, error: unknown): void;
}

/** Runs one storage step; the coordinator passes one that waits out an outage until `signal` aborts. */
export type StorageStep = <T>(what: string, step: () => Promise<T>, signal: AbortSignal) => Promise<T>;

export interface JobLoopOptions {
  /**
   * Where the job's files are in `storage` (`storageKeys.coordinatorJob(id)` on a coordinator,
   * `storageKeys.runDirectory(name)` for a run directory); its `jobId` names the job in errors.
   */
  keys: JobKeys;
  setup: JobLayout;
  shards: ShardRunner;
  storage: BlobStore;
  exportModel: ModelExporter;
  /** Checkpoints already in storage are resumed from ('resume') or refused ('refuse', CheckpointsExistError). */
  existing: 'resume' | 'refuse';
  observer?: JobLoopObserver;
  /** Backends that computed the job before; with the rounds' own, they label checkpoints and the export. @default none */
  backends?: readonly string[];
  /** Recorded in the export: where the spec's relative data paths resolve. */
  dataDir?: string;
  /** @default runs each step once */
  storageStep?: StorageStep;
}

/** How a loop ended; a failure rejects `run()` instead. */
export type JobEnd = 'succeeded' | 'stopped' | 'cancelled';

/**
 * The one job loop, run by `metatrain train` (shards in this process) and by the coordinator
 * (shards on workers): resume, rounds, periodic evaluation, checkpoints, export.
 *
 * For each parameter version v, in order: evaluate v (when due and not yet published), checkpoint
 * v (when due and not yet written), then run round v, which makes v + 1. So a checkpoint of a
 * version due for evaluation is written after its evaluation, and a resume evaluates only a
 * version whose evaluation was cut short. At the end the parameters are exported.
 *
 * A checkpoint is written while the next round runs, off the round's critical path: it is
 * encoded from the state of its version (parameters are never mutated) before the round
 * starts, and its manifest is written last, so a crash still resumes from the last complete
 * checkpoint. One is written at a time; a failed write fails the job at the next step.
 *
 * `stop()` ends the loop at the next await with a checkpoint of the current version (a round in
 * flight is dropped: its shards would be recomputed bit for bit); `cancel()` and `abandon()`
 * write nothing more.
 */
export class JobLoop {
  private readonly controller = new AbortController();
  private readonly checkpoints: CheckpointStore;
  private readonly backends: Set<string>;
  private checkpointedVersion: number;
  /** The checkpoint being written in the background, if any. */
  private writing: Promise<void> | undefined;
  private writeFailure: { error: unknown } | undefined;
  private stopping = false;
  private cancelled = false;
  private abandoned = false;

  private constructor(
    private readonly options: JobLoopOptions,
    checkpoints: CheckpointStore,
    private state: MetaState,
    /** The evaluation of `state.version`, when due, was published. */
    private evaluated: boolean,
  ) {
    this.checkpoints = checkpoints;
    this.checkpointedVersion = state.version;
    this.backends = new Set(options.backends ?? []);
  }

  /**
   * Opens the job's storage: resumes from the newest complete checkpoint (or refuses to, see
   * `existing`), checks that it was trained with the same spec, and saves the spec.
   * @throws CheckpointsExistError, SpecMismatchError, CheckpointError, storage errors
   */
  static async open(options: JobLoopOptions): Promise<JobLoop> {
    const { keys, setup, storage, observer } = options;
    const step = options.storageStep ?? runOnce;
    const signal = new AbortController().signal;
    const checkpoints = new CheckpointStore(storage, keys, {
      keep: setup.spec.checkpoint.keep,
      onSkip: (version, reason) => observer?.checkpointSkipped?.(version, reason),
    });
    const latest = await step('resume', () => checkpoints.loadLatest(), signal);
    let saved: SavedState = { state: initialState(setup), evaluated: false };
    if (latest) {
      if (options.existing === 'refuse') throw new CheckpointsExistError(keys.jobId, latest.version);
      const spec = await step('resume', () => checkpoints.loadSpec(), signal);
      if (spec !== undefined && whatItComputes(spec) !== whatItComputes(setup.spec)) throw new SpecMismatchError(keys.jobId);
      saved = fromCheckpoint(setup.layout, latest);
    }
    await step('spec', () => checkpoints.saveSpec(JSON.stringify(setup.spec)), signal);
    await observer?.started?.({ version: saved.state.version, resumed: latest !== undefined });
    return new JobLoop(options, checkpoints, saved.state, saved.evaluated);
  }

  /** The current parameter version (rounds completed). */
  get version(): number {
    return this.state.version;
  }

  /** Runs until the job is done, stopped or cancelled. @throws whatever failed the job */
  async run(): Promise<JobEnd> {
    const { spec } = this.options.setup;
    try {
      for (;;) {
        this.throwIfWriteFailed();
        const version = this.state.version;
        if (evalDue(spec, version) && !this.evaluated && !(await this.evaluate())) break;
        if (checkpointDue(spec, version) && this.checkpointedVersion !== version) await this.checkpoint();
        if (version >= spec.outer.iterations || this.interrupted) break;
        if (!(await this.runRound())) break;
      }
      if (this.cancelled) return 'cancelled';
      if (this.stopping) {
        if (!this.abandoned && this.checkpointedVersion !== this.state.version) await this.checkpoint();
        await this.checkpointsWritten();
        return 'stopped';
      }
      await this.checkpointsWritten();
      await this.export();
      return 'succeeded';
    } catch (err) {
      if (this.cancelled) return 'cancelled';
      if (this.stopping) return 'stopped'; // e.g. stopped while waiting for storage: resumed from the last checkpoint
      throw err;
    } finally {
      // A write still in flight (cancelled, failed) ends before the loop says it has.
      await this.writing;
    }
  }

  /** Ends the loop with a checkpoint of the current version; `run()` resolves 'stopped'. */
  stop(): void {
    this.stopping = true;
    this.controller.abort();
  }

  /** Ends the loop writing nothing more; `run()` resolves 'cancelled'. */
  cancel(): void {
    this.cancelled = true;
    this.controller.abort();
  }

  /**
   * Ends the loop writing nothing more, not even a checkpoint: what this process holds may no
   * longer be the job's truth (the coordinator lost its lease). `run()` resolves 'stopped'.
   */
  abandon(): void {
    this.abandoned = true;
    this.stop();
  }

  private get interrupted(): boolean {
    return this.stopping || this.cancelled;
  }

  /** Round `state.version`; false when it was interrupted. */
  private async runRound(): Promise<boolean> {
    const { spec } = this.options.setup;
    const started = performance.now();
    const { version, params } = this.state;
    const collection = { kind: 'train' as const, version, params, blocks: planRoundBlocks(spec), next: this.upcoming('train', version) };
    const collected = await this.options.shards.collect(collection, this.controller.signal);
    if (!collected) return this.interruptedOrFail(`round ${this.state.version}`);
    const { state, summary } = applyRound(spec, this.state, collected.blocks);
    this.state = state;
    this.evaluated = false;
    for (const backend of collected.backends) this.backends.add(backend);
    const roundMs = performance.now() - started;
    const metrics: RoundMetrics = { ...summary, roundMs, tasksPerSecond: (summary.tasks * 1000) / roundMs, workers: collected.workers.length, backends: collected.backends };
    await this.options.observer?.roundCompleted?.(metrics);
    return true;
  }

  /** The periodic evaluation of the current version; false when it was interrupted. */
  private async evaluate(): Promise<boolean> {
    const { spec } = this.options.setup;
    const { version, params } = this.state;
    const started = performance.now();
    const collection = { kind: 'eval' as const, version, params, blocks: planEvalBlocks(spec), next: this.upcoming('eval', version) };
    const collected = await this.options.shards.collect(collection, this.controller.signal);
    if (!collected) return this.interruptedOrFail(`the evaluation of version ${version}`);
    const summary = summarizeEval(collected.blocks.flatMap((b) => b.metrics));
    this.evaluated = true;
    await this.options.observer?.evalCompleted?.({ version, ...summary, evalMs: performance.now() - started, workers: collected.workers.length });
    return true;
  }

  /** The collection after the one of `kind` at `version`, with its blocks; undefined after the last. */
  private upcoming(kind: ShardKind, version: number): UpcomingCollection | undefined {
    const { spec } = this.options.setup;
    const next = nextCollection(spec, kind, version);
    if (!next) return undefined;
    return { ...next, blocks: next.kind === 'train' ? planRoundBlocks(spec) : planEvalBlocks(spec) };
  }

  /** A collection without results is an interruption the loop asked for; anything else is a broken runner. */
  private interruptedOrFail(what: string): false {
    if (this.interrupted) return false;
    throw new Error(`${what}: the blocks ended without results, and the job was not stopped`);
  }

  /** Starts writing a checkpoint of the current version, once the one before it is written. */
  private async checkpoint(): Promise<void> {
    await this.checkpointsWritten();
    const { version } = this.state;
    const checkpoint = toCheckpoint({ state: this.state, evaluated: this.evaluated }, this.backendLabel);
    this.checkpointedVersion = version;
    this.writing = this.write(checkpoint).catch((error: unknown) => {
      this.writeFailure = { error };
    });
  }

  private async write(checkpoint: Checkpoint): Promise<void> {
    const { keys, storage, observer } = this.options;
    const { version } = checkpoint;
    const save = () =>
      this.checkpoints.save(checkpoint).catch((error: unknown) => {
        observer?.checkpointFailed?.(version, error);
        throw error;
      });
    await observer?.checkpointing?.(version);
    await this.stored(`checkpoint ${version}`, save);
    await observer?.checkpointWritten?.(version, storage.locate(keys.checkpoint(version)));
  }

  /** Waits for the checkpoint being written. @throws what failed it */
  private async checkpointsWritten(): Promise<void> {
    await this.writing;
    this.writing = undefined;
    this.throwIfWriteFailed();
  }

  private throwIfWriteFailed(): void {
    if (this.writeFailure) throw this.writeFailure.error;
  }

  private async export(): Promise<void> {
    const { keys, storage, dataDir } = this.options;
    const files = await this.options.exportModel(this.state.params, { rounds: this.state.version, backend: this.backendLabel, ...(dataDir !== undefined ? { dataDir } : {}) });
    // In EXPORT_FILES order, meta.json last: it marks the export complete.
    for (const name of EXPORT_FILES) {
      const bytes = files.get(name);
      if (!bytes) throw new Error(`the export has no ${name}`);
      await this.stored(`export ${name}`, () => storage.put(keys.exportFile(name), bytes));
    }
  }

  private stored<T>(what: string, step: () => Promise<T>): Promise<T> {
    return (this.options.storageStep ?? runOnce)(what, step, this.controller.signal);
  }

  /** The backends that computed the job, e.g. `wasm` or `cpu+wasm`; checkpoints and exports record it. */
  private get backendLabel(): string {
    return [...this.backends].sort().join('+') || 'none';
  }
}

function runOnce<T>(_what: string, step: () => Promise<T>): Promise<T> {
  return step();
}

/**
 * A spec as resuming compares it: all but `resources`, which says where the job runs, not what
 * it computes (and which specs saved before the field existed lack).
 */
function whatItComputes(spec: unknown): string {
  return JSON.stringify(typeof spec === 'object' && spec !== null ? { ...spec, resources: undefined } : spec);
}
