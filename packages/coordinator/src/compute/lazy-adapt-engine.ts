import { AdaptEngine } from '@metatrain/serve';

/**
 * The coordinator's adaptation engine (@metatrain/serve's, as `metatrain serve` uses), started
 * at the first Adapt call: one compute thread, so an adaptation never holds the event loop
 * that runs every job's rounds. `close()` is idempotent.
 */
export class LazyAdaptEngine {
  private starting: Promise<AdaptEngine> | undefined;
  private closed = false;

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

  async close(): Promise<void> {
    this.closed = true;
    const engine = await this.starting?.catch(() => undefined);
    await engine?.close();
  }
}
