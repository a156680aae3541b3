import type { JobEvent } from '@metatrain/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { RECENT_EVENTS_PER_JOB } from '../jobs/job-events';
import { work } from '../jobs/testing/simulated-workers';
import { closeCoordinators, coordinator, type Coordinator, ended, roundsDone, spec } from '../jobs/testing/test-coordinator';

afterEach(closeCoordinators);

/** The curve as short names, in order. */
const names = (events: readonly JobEvent[]) =>
  events.flatMap(({ kind }) => (kind?.$case === 'roundCompleted' ? [`round ${kind.value.round}`] : kind?.$case === 'evalCompleted' ? [`eval ${kind.value.version}`] : []));

/** The whole curve of `spec('sine')` (6 rounds, evaluations of 3 and 6). */
const WHOLE_CURVE = ['round 0', 'round 1', 'round 2', 'eval 3', 'round 3', 'round 4', 'round 5', 'eval 6'];

/** Every job has ended on `c`. */
const allEnded = (c: Coordinator, ids: string[]) => () => ids.every((id) => ended(c, id)());

describe('JobHistory', () => {
  it("reads a finished job's whole curve back from storage, keeping nothing of it in memory", async () => {
    const c = coordinator();
    const { id } = await c.manager.submit(spec('sine'));
    await work(c, ended(c, id));
    expect(names(await c.history.read(id))).toEqual(WHOLE_CURVE);
    expect(await c.history.read(id)).toEqual(c.published.filter((e) => e.jobId === id && names([e]).length > 0));
    expect(c.events.heldEvents()).toBe(0);
    expect(c.history.writing()).toBe(0);
  });

  it.each([
    { how: 'history written up to the checkpoint', batching: { flushEveryMs: 600_000 }, stored: ['round 0', 'round 1'] },
    { how: 'history written beyond the checkpoint', batching: { flushEveryRecords: 1 }, stored: ['round 0', 'round 1', 'round 2'] },
  ])('a coordinator that lost the job ($how) leaves a curve its successor completes, each round once', async ({ batching, stored }) => {
    const first = coordinator({ batching });
    const { id } = await first.manager.submit(spec('sine'));
    await work(first, roundsDone(first, id, 3)); // checkpoint 2 written, the evaluation of 3 waits
    await first.manager.suspend(); // as a crash: nothing more is written
    expect(names(await first.history.read(id))).toEqual(stored);

    const second = coordinator({ registry: first.registry, queue: first.queue, storage: first.storage });
    await second.manager.resumeAll(); // from checkpoint 2: round 2 runs again
    const watched: JobEvent[] = [];
    const stop = await second.history.watch(id, (event) => watched.push(event));
    await work(second, ended(second, id));
    stop();
    expect(names(await second.history.read(id))).toEqual(WHOLE_CURVE);
    // A watcher from the resume on: the stored curve, then the live events, no round twice.
    expect(names(watched)).toEqual(WHOLE_CURVE);
    expect(watched.at(-1)?.kind).toMatchObject({ $case: 'stateChanged' });
  });

  it('hands a watcher who comes mid-job the curve so far, then the live events, without gaps or repeats', async () => {
    const c = coordinator({ batching: { flushEveryRecords: 2 } });
    const { id } = await c.manager.submit(spec('sine'));
    await work(c, roundsDone(c, id, 4)); // some of it written, some not yet
    const watched: JobEvent[] = [];
    const stop = await c.history.watch(id, (event) => watched.push(event));
    await work(c, ended(c, id));
    stop();
    expect(names(watched)).toEqual(WHOLE_CURVE);
  });

  it('keeps memory bounded however many long jobs run: a tail per running job, nothing once they end', async () => {
    const c = coordinator({ batching: { flushEveryRecords: 16 } });
    const rounds = 150; // well beyond the tail kept per job
    const ids: string[] = [];
    for (let j = 0; j < 8; j += 1) ids.push((await c.manager.submit(spec(`long${j}`, rounds))).id);
    let mostHeld = 0;
    let mostUnwritten = 0;
    await work(c, () => {
      mostHeld = Math.max(mostHeld, c.events.heldEvents());
      mostUnwritten = Math.max(mostUnwritten, ...ids.map((id) => c.history.unwrittenOf(id)));
      return allEnded(c, ids)();
    });
    const published = c.published.length;
    expect(published).toBeGreaterThan(8 * rounds);
    expect(mostHeld).toBeLessThanOrEqual(8 * RECENT_EVENTS_PER_JOB);
    expect(mostUnwritten).toBeLessThanOrEqual(16 + 2); // a batch, and what came while it was written
    expect(c.events.heldEvents()).toBe(0);
    expect(c.history.writing()).toBe(0);
    for (const id of ids) expect(await c.history.read(id)).toHaveLength(rounds + rounds / 3);
  });
});
