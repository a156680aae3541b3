import { describe, expect, it } from 'vitest';
import { CoordinatorMetrics } from './coordinator-metrics';
import type { ScrapeHookFailure } from './scrape-hooks';
import { sampleValue } from './testing/exposition';

/** A promise with its resolve and reject, to hold a hook open as long as a test wants. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CoordinatorMetrics.onScrape', () => {
  it('refreshes pulled values before rendering', async () => {
    const metrics = new CoordinatorMetrics({ processMetrics: false });
    let depth = 0;
    metrics.onScrape(async () => metrics.setQueueDepth({ waiting: 0, prioritized: ++depth, active: 0, delayed: 0, total: depth }));
    expect(sampleValue(await metrics.text(), 'metatrain_queue_depth', { state: 'prioritized' })).toBe(1);
    expect(sampleValue(await metrics.text(), 'metatrain_queue_depth', { state: 'prioritized' })).toBe(2);
  });

  it('serves the last values when a hook hangs, and joins the hung run instead of piling up calls', async () => {
    const failures: ScrapeHookFailure[] = [];
    const metrics = new CoordinatorMetrics({ processMetrics: false, scrapeTimeoutMs: 20, onScrapeFailure: (f) => failures.push(f) });
    metrics.setWorkerCounts({ active: 2, lost: 0, quarantined: 0 });
    const gate = deferred();
    let calls = 0;
    metrics.onScrape(() => {
      calls += 1;
      return gate.promise;
    });
    let fast = 0;
    metrics.onScrape(async () => void (fast += 1));

    const first = await metrics.text();
    const second = await metrics.text();
    expect(sampleValue(first, 'metatrain_workers', { state: 'active' })).toBe(2);
    expect(calls).toBe(1);
    expect(fast).toBe(2); // the healthy hook still ran each time
    expect(failures).toEqual([
      { kind: 'timeout', timeoutMs: 20 },
      { kind: 'timeout', timeoutMs: 20 },
    ]);
    expect(sampleValue(second, 'metatrain_scrape_hook_failures_total', { reason: 'timeout' })).toBe(2);

    gate.resolve();
    await new Promise((resolve) => setImmediate(resolve)); // lets the hung run settle
    await metrics.text();
    expect(calls).toBe(2); // once the hung run ended, the next scrape starts a fresh one
  });

  it('reports a failing hook, even one that fails after its deadline, and still renders', async () => {
    const failures: ScrapeHookFailure[] = [];
    const metrics = new CoordinatorMetrics({ processMetrics: false, scrapeTimeoutMs: 20, onScrapeFailure: (f) => failures.push(f) });
    metrics.onScrape(() => Promise.reject(new Error('redis: connection refused')));
    metrics.onScrape(() => {
      throw new Error('thrown, not rejected');
    });
    const late = deferred();
    metrics.onScrape(() => late.promise);

    const text = await metrics.text();
    expect(sampleValue(text, 'metatrain_scrape_hook_failures_total', { reason: 'error' })).toBe(2);
    late.reject(new Error('gave up late'));
    await late.promise.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const messages = failures.map((f) => (f.kind === 'error' ? (f.error as Error).message : f.kind));
    expect(messages.sort()).toEqual(['gave up late', 'redis: connection refused', 'thrown, not rejected', 'timeout']);
  });

  it('stops calling a removed hook', async () => {
    const metrics = new CoordinatorMetrics({ processMetrics: false });
    let calls = 0;
    const remove = metrics.onScrape(async () => void (calls += 1));
    await metrics.text();
    remove();
    await metrics.text();
    expect(calls).toBe(1);
  });
});
