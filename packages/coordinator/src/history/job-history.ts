import type { JobEvent } from '@metatrain/contract';
import { type Log, storageKeys } from '@metatrain/core';
import type { BlobStore } from '@metatrain/storage';
import type { JobEventListener, JobEventLog } from '../jobs/job-events';
import { curvePosition } from './history-line';
import { readHistory } from './history-reader';
import { type HistoryBatching, HistoryWriter } from './history-writer';

/** What a coordinator's {@link JobHistory} works with. */
export interface JobHistoryOptions {
  storage: BlobStore;
  /** The live events; the history's readers follow them after what is stored. */
  events: JobEventLog;
  batching?: HistoryBatching;
  log: Log;
}

/**
 * The durable history of a coordinator's jobs: every round's and evaluation's metrics, written
 * to the job's storage as they happen ({@link HistoryWriter}, one per running job) and read
 * back — after any restart — by WatchJob, `metatrain metrics` and the dashboard. Memory holds
 * only what is not written yet, so it does not grow with the number or the length of jobs.
 */
export class JobHistory {
  private readonly writers = new Map<string, HistoryWriter>();

  constructor(private readonly options: JobHistoryOptions) {}

  /**
   * Starts writing a run of the job that begins at parameter `version` (see
   * {@link HistoryWriter.open}); the writer is known to readers until it is closed or discarded.
   * @throws what the storage threw
   */
  async open(jobId: string, version: number): Promise<HistoryWriter> {
    const { storage, batching, log } = this.options;
    const writer = await HistoryWriter.open(storage, storageKeys.coordinatorJob(jobId), version, batching ?? {}, log);
    this.writers.set(jobId, writer);
    return writer;
  }

  /** Writes what the job's writer holds and forgets the writer: the job's run here is over. */
  async close(jobId: string, writer: HistoryWriter): Promise<void> {
    await writer.close();
    if (this.writers.get(jobId) === writer) this.writers.delete(jobId);
  }

  /** Forgets the job's writer without writing (this coordinator lost the job). */
  discard(jobId: string, writer: HistoryWriter): void {
    writer.discard();
    if (this.writers.get(jobId) === writer) this.writers.delete(jobId);
  }

  /** How many jobs' histories are being written here (running jobs): what the memory bound is about. */
  writing(): number {
    return this.writers.size;
  }

  /** How many of the job's rounds and evaluations wait to be written. */
  unwrittenOf(jobId: string): number {
    return this.writers.get(jobId)?.unwritten().length ?? 0;
  }

  /** The job's curve so far, oldest first: what is stored, then what is still to be written. */
  async read(jobId: string): Promise<JobEvent[]> {
    const curve: JobEvent[] = [];
    const stop = await this.watch(jobId, (event) => curve.push(event));
    stop();
    return curve.filter((event) => curvePosition(event) !== undefined);
  }

  /**
   * Hands `listener` the job's curve so far (as {@link read}) and then every new event of the
   * job, in order, without gaps or repeats: the live events are taken from before the storage
   * is read, so none falls between; a round or evaluation already handed on is not handed again.
   * Returns the function that stops it.
   * @throws what reading the storage threw
   */
  async watch(jobId: string, listener: JobEventListener): Promise<() => void> {
    let last = -1;
    const deliver = (event: JobEvent): void => {
      const position = curvePosition(event);
      if (position !== undefined && position <= last) return;
      if (position !== undefined) last = position;
      listener(event);
    };
    let live: JobEvent[] | undefined = [];
    const unwritten = this.writers.get(jobId)?.unwritten() ?? [];
    const stop = this.options.events.subscribe(jobId, (event) => (live ? live.push(event) : deliver(event)));
    try {
      const stored = await readHistory(this.options.storage, storageKeys.coordinatorJob(jobId), (problem) => this.options.log(`job ${jobId}: history: skipped ${problem}`, { jobId, level: 'warn' }));
      for (const event of [...stored, ...unwritten, ...live]) deliver(event);
      live = undefined;
      return stop;
    } catch (error) {
      stop();
      throw error;
    }
  }
}
