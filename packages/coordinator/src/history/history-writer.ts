import type { JobEvent } from '@metatrain/contract';
import { type JobKeys, type Log, parseHistoryChunk } from '@metatrain/core';
import type { BlobStore } from '@metatrain/storage';
import { historyLine, type HistoryLine } from './history-line';

/** When a job's history is written; every field has a default. */
export interface HistoryBatching {
  /** Written once this many rounds and evaluations wait. @default 64 */
  flushEveryRecords?: number;
  /** Written at most this long after the first of them. @default HISTORY_FLUSH_MS, 5000 */
  flushEveryMs?: number;
}

/** The default of {@link HistoryBatching.flushEveryMs}. */
export const DEFAULT_HISTORY_FLUSH_MS = 5000;
const DEFAULT_FLUSH_EVERY_RECORDS = 64;

const encoder = new TextEncoder();

/**
 * Writes one run of a job's rounds and evaluations to storage, batched: a chunk
 * (`{root}history/{n}.jsonl`) per flush, never a request per round, and never on the round's
 * path — `push` only queues. A batch is written when it is full, when its first record is
 * `flushEveryMs` old, before each checkpoint (`flush`) and at the end (`close`). A failed write
 * is logged and its records stay queued for the next flush: the job never fails for its history.
 */
export class HistoryWriter {
  /** Pushed and not yet written, oldest first; a write in flight removes its records when it succeeds. */
  private queued: JobEvent[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly flushEveryRecords: number;
  private readonly flushEveryMs: number;

  private constructor(
    private readonly storage: BlobStore,
    private readonly keys: JobKeys,
    private nextChunk: number,
    batching: HistoryBatching,
    private readonly log: Log,
  ) {
    this.flushEveryRecords = batching.flushEveryRecords ?? DEFAULT_FLUSH_EVERY_RECORDS;
    this.flushEveryMs = batching.flushEveryMs ?? DEFAULT_HISTORY_FLUSH_MS;
  }

  /**
   * Starts a run of the job's history at parameter `version` (0, or the checkpoint resumed):
   * writes the run's start mark, after which readers drop the rounds a crashed run wrote beyond
   * that version, so the history agrees with the checkpointed state.
   * @throws what the storage threw (the caller decides whether to wait for it)
   */
  static async open(storage: BlobStore, keys: JobKeys, version: number, batching: HistoryBatching, log: Log): Promise<HistoryWriter> {
    const written = (await storage.list(keys.history)).map((key) => parseHistoryChunk(key.slice(keys.history.length)) ?? -1);
    const writer = new HistoryWriter(storage, keys, Math.max(-1, ...written) + 1, batching, log);
    await writer.writeChunk([{ type: 'start', time: Date.now(), version }]);
    return writer;
  }

  /** Queues a RoundCompleted or EvalCompleted event (others are ignored); never waits. */
  push(event: JobEvent): void {
    if (this.closed || !historyLine(event)) return;
    this.queued.push(event);
    if (this.queued.length >= this.flushEveryRecords) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushEveryMs).unref();
  }

  /** The records pushed and not yet known to be written, oldest first. */
  unwritten(): readonly JobEvent[] {
    return [...this.queued];
  }

  /** Writes every record pushed so far (after the writes before); resolves when done or failed (logged). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.writeQueued());
    return this.writing;
  }

  /** Writes what is queued and takes no more; idempotent. */
  async close(): Promise<void> {
    if (!this.closed) void this.flush();
    this.closed = true;
    await this.writing;
  }

  /** Drops what is queued and writes nothing more (this coordinator no longer owns the job). */
  discard(): void {
    this.closed = true;
    this.queued = [];
    clearTimeout(this.timer);
  }

  private async writeQueued(): Promise<void> {
    const batch = this.queued.slice();
    if (batch.length === 0) return;
    try {
      await this.writeChunk(batch.flatMap((event) => historyLine(event) ?? []));
      this.queued = this.queued.slice(batch.length);
    } catch (error) {
      this.log(`job ${this.keys.jobId}: writing its history failed (retried with the next batch): ${String(error)}`, { jobId: this.keys.jobId, level: 'warn' });
      if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), this.flushEveryMs).unref();
    }
  }

  private async writeChunk(lines: HistoryLine[]): Promise<void> {
    const text = lines.map((line) => `${JSON.stringify(line)}\n`).join('');
    await this.storage.put(this.keys.historyChunk(this.nextChunk), encoder.encode(text));
    this.nextChunk += 1;
  }
}
