import { withTimeout } from '@metatrain/http';

/** Refreshes pulled values (queue depth, worker counts…) just before a scrape. */
export type ScrapeHook = () => Promise<void>;

/** Why a hook did not finish in time: it failed, or it was still running at the deadline. */
export type ScrapeHookFailure = { kind: 'error'; error: unknown } | { kind: 'timeout'; timeoutMs: number };

interface Registered {
  fn: ScrapeHook;
  /** The run still going, shared by the scrapes that arrive meanwhile. */
  running: Promise<void> | undefined;
}

/**
 * The hooks run before each scrape. Each is waited for at most `timeoutMs`, so a slow Redis
 * serves slightly stale values instead of hanging /metrics; and a hook still running from an
 * earlier scrape is joined rather than started again, so a stuck dependency does not pile up
 * one call per scrape.
 */
export class ScrapeHooks {
  private readonly hooks = new Set<Registered>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onFailure: (failure: ScrapeHookFailure) => void,
  ) {}

  /** Adds a hook; the function returned removes it. */
  add(fn: ScrapeHook): () => void {
    const hook: Registered = { fn, running: undefined };
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /** Runs every hook concurrently; resolves when each has finished, failed or timed out. Never rejects. */
  async runAll(): Promise<void> {
    await Promise.all([...this.hooks].map((hook) => this.run(hook)));
  }

  private async run(hook: Registered): Promise<void> {
    const running = (hook.running ??= this.start(hook));
    const result = await withTimeout(running, this.timeoutMs);
    if (!result.done) this.onFailure({ kind: 'timeout', timeoutMs: this.timeoutMs });
  }

  /** One run of a hook; reports its failure itself (even one after the deadline) and never rejects. */
  private start(hook: Registered): Promise<void> {
    let run: Promise<void>;
    try {
      run = hook.fn();
    } catch (error) {
      run = Promise.reject(error); // a hook that throws instead of rejecting
    }
    return run
      .catch((error: unknown) => this.onFailure({ kind: 'error', error }))
      .finally(() => {
        hook.running = undefined;
      });
  }
}
