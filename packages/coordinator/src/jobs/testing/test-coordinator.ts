import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JobEvent, JobState } from '@metatrain/contract';
import { type LogFields, type ParamSet, storageKeys } from '@metatrain/core';
import { type DatasetResolver, datasetResolver } from '@metatrain/datasets';
import { CheckpointStore, MemoryStore } from '@metatrain/storage';
import type { JobChange } from '../../registry/job-change';
import { MemoryJobRegistry } from '../../testing/memory-job-registry';
import { MemoryShardQueue } from '../../testing/memory-shard-queue';
import { MemoryShardLanes } from '../../testing/memory-shard-lanes';
import { RecordingObserver } from '../../testing/recording-observer';
import { JobEventLog } from '../job-events';
import { JobHistory } from '../../history/job-history';
import type { HistoryBatching } from '../../history/history-writer';
import { JobManager } from '../job-manager';
import type { JobRunnerDeps } from '../job-runner';
import { StoredData } from '../../data/stored-data';
import { TEST_BLOCK_SIZE } from './simulated-workers';

// A JobManager on the in-memory registry, queue and storage, with what it tells recorded: the
// coordinator of job-manager.test.ts, without Redis, sockets or TensorFlow.js.

/** 6 rounds of 8 tasks in 2 blocks, one shard each; checkpoints of versions 2, 4, 6; evaluations of 3 and 6 (one block). */
export const spec = (name: string, iterations = 6) => `
name: ${name}
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
outer: { lr: 0.01, metaBatchSize: 8, iterations: ${iterations} }
blockSize: ${TEST_BLOCK_SIZE}
shardSize: 1
checkpoint: { everyRounds: 2, keep: 5 }
eval: { everyRounds: 3, tasks: 4 }
seed: 3
`;

/** A registry that keeps every change it applied, in order. */
export class RecordingRegistry extends MemoryJobRegistry {
  private readonly changes: Array<[string, JobChange]> = [];

  override async updateJob(id: string, change: JobChange) {
    const record = await super.updateJob(id, change);
    this.changes.push([id, change]);
    return record;
  }

  changesOf(jobId: string): JobChange[] {
    return this.changes.filter(([id]) => id === jobId).map(([, change]) => change);
  }
}

/** A store whose listings under a held prefix wait until released: storage slow to answer. */
export class GatedStore extends MemoryStore {
  private readonly gates = new Map<string, Promise<void>>();

  /** Holds listings under `prefix`; returns the function that releases them. */
  hold(prefix: string): () => void {
    let release = () => {};
    this.gates.set(prefix, new Promise<void>((resolve) => (release = resolve)));
    return release;
  }

  override async list(prefix: string): Promise<string[]> {
    for (const [held, gate] of this.gates) if (prefix.startsWith(held)) await gate;
    return super.list(prefix);
  }
}

const encode = (text: string) => new TextEncoder().encode(text);

/** The parameters' float32 bytes in layout order: the stand-in export's weights.bin. */
export const weightsOf = (params: ParamSet) => new Uint8Array(Float32Array.from(params.flatMap((p) => [...p.values])).buffer);

/** Export files that are a function of the parameters and the export's info alone (no TensorFlow.js). */
const exporter: JobRunnerDeps['exporter'] = () => async (params, info) =>
  new Map([
    ['model.json', encode(JSON.stringify(params.map((p) => ({ name: p.name, shape: p.shape }))))],
    ['weights.bin', weightsOf(params)],
    ['meta.json', encode(JSON.stringify(info))],
  ]);

const managers: JobManager[] = [];

/**
 * One coordinator's JobManager and what it works with (`log` collects its lines). Pass
 * `shared` to start another coordinator on the same registry, queue or storage.
 */
export function coordinator(shared: { registry?: RecordingRegistry; queue?: MemoryShardQueue; storage?: MemoryStore; datasets?: DatasetResolver; batching?: HistoryBatching } = {}, shardDeadlineMs = 600_000) {
  const storage = shared.storage ?? new MemoryStore();
  const events = new JobEventLog();
  const queue = shared.queue ?? new MemoryShardQueue();
  const log: string[] = [];
  const deps = {
    registry: shared.registry ?? new RecordingRegistry(),
    queue,
    lanes: new MemoryShardLanes(queue),
    /** The live workers: 2 compute slots; `backends` is what every pool's workers run (a test may change it). */
    workers: { backends: ['cpu'], computeSlots: () => 2, backendsOf: (): string[] => [...deps.workers.backends] },
    storage,
    events,
    history: new JobHistory({ storage, events, batching: shared.batching ?? {}, log: (line) => log.push(line) }),
    observer: new RecordingObserver(),
    log,
    /** The same lines with the fields their call sites gave. */
    logged: [] as Array<{ line: string } & LogFields>,
    /** Every event published, in order (the log itself keeps only running jobs' recent ones). */
    published: [] as JobEvent[],
  };
  events.subscribeAll((event) => deps.published.push(event));
  const data = new StoredData(deps.storage, join(tmpdir(), 'metatrain-test-stored-data'));
  const manager = new JobManager({ ...deps, log: (line, fields) => (deps.log.push(line), deps.logged.push({ line, ...fields })), exporter, shardDeadlineMs, dataDir: process.cwd(), data, datasets: shared.datasets ?? datasetResolver({}) });
  managers.push(manager);
  return { ...deps, manager };
}

export type Coordinator = ReturnType<typeof coordinator>;

/** Closes every manager made by {@link coordinator} since the last call. */
export async function closeCoordinators(): Promise<void> {
  await Promise.all(managers.splice(0).map((m) => m.close()));
}

/** The job's events as short lines, in order. */
export function said(c: Coordinator, jobId: string): string[] {
  return c.published.filter((event) => event.jobId === jobId).map(({ kind }) => {
    switch (kind?.$case) {
      case 'stateChanged':
        return `state ${JobState[kind.value.state]}${kind.value.error ? `: ${kind.value.error}` : ''}`;
      case 'roundCompleted':
        return `round ${kind.value.round}`;
      case 'evalCompleted':
        return `eval ${kind.value.version}`;
      case 'checkpointWritten':
        return `checkpoint ${kind.value.version} ${kind.value.location}`;
      default:
        return 'unknown';
    }
  });
}

/** Whether the job has ended (its last event is a final state). */
export const ended = (c: Coordinator, jobId: string) => () => /^state (SUCCEEDED|FAILED|CANCELLED)/.test(said(c, jobId).at(-1) ?? '');

/** Whether the job has completed `rounds` rounds on this coordinator. */
export const roundsDone = (c: Coordinator, jobId: string, rounds: number) => () => said(c, jobId).filter((line) => line.startsWith('round ')).length >= rounds;

/** The parameters of the job's newest checkpoint (the final parameters, once it SUCCEEDED). */
export async function finalParams(storage: MemoryStore, jobId: string): Promise<ParamSet> {
  const latest = await new CheckpointStore(storage, storageKeys.coordinatorJob(jobId)).loadLatest();
  if (!latest) throw new Error(`job ${jobId} has no checkpoint`);
  return latest.params;
}
