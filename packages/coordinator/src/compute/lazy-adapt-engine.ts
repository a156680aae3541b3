import type { LoadedExport } from '@metatrain/metalearn';
import { AdaptEngine } from '@metatrain/serve';

/** Job exports the engine keeps loaded, the ones adapted last. */
export const EXPORTS_KEPT = 8;

/**
 * The coordinator's adaptation engine (@metatrain/serve's, as `metatrain serve` uses), started
 * at the first Adapt call: one compute thread, so an adaptation never holds the event loop
 * that runs every job's rounds. It keeps the exports of the {@link EXPORTS_KEPT} jobs adapted
 * last, so its memory does not grow with the number of jobs. `close()` is idempotent.
 */
export class LazyAdaptEngine {
  private starting: Promise<AdaptEngine> | undefined;
  private closed = false;
  /** Job ids whose exports the engine holds, least recently adapted first. */
  private held: string[] = [];

  constructor(private readonly log: (line: string) => void) {}

  /** The engine, started on first use; a start that failed is tried again on the next call. */
  get(): Promise<AdaptEngine> {
    if (this.closed) return Promise.reject(new Error('the coordinator is closing'));
    this.starting ??= AdaptEngine.create({ threads: 1, log: (line) => this.log(`coordinator: ${line}`) }).catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  /**
   * Makes job `jobId`'s export available to `engine` (a job's export never changes once
   * written) and drops the least recently adapted beyond {@link EXPORTS_KEPT}, except those
   * with requests still waiting.
   */
  hold(engine: AdaptEngine, jobId: string, loaded: LoadedExport): void {
    if (!engine.hasModel(jobId)) engine.addModel(jobId, loaded);
    this.held = [...this.held.filter((id) => id !== jobId), jobId];
    const excess = this.held.length - EXPORTS_KEPT;
    const dropped = this.held.slice(0, Math.max(0, excess)).filter((id) => engine.removeModel(id));
    this.held = this.held.filter((id) => !dropped.includes(id));
  }

  /** The job ids whose exports are held, least recently adapted first (for tests). */
  heldJobs(): readonly string[] {
    return this.held;
  }

  async close(): Promise<void> {
    this.closed = true;
    const engine = await this.starting?.catch(() => undefined);
    await engine?.close();
  }
}
