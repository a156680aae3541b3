import { Rng } from '@metatrain/core';

/** What the soak does to the system. */
export type FaultKind = 'kill-worker' | 'kill-coordinator' | 'restart-redis' | 'storage-outage';

/** One fault of the schedule: when it starts, what it is, and how long the damage lasts. */
export interface PlannedFault {
  /** Seconds to wait, after the previous fault's recovery, before this one. */
  gapS: number;
  kind: FaultKind;
  /** How long the service stays away (a killed process is started again after it). */
  downMs: number;
  /** Which worker, for kill-worker: an index into the live workers. */
  pick: number;
}

/** Relative frequencies: workers die most often, as they do in a cluster. */
const WEIGHTS: ReadonlyArray<[FaultKind, number]> = [
  ['kill-worker', 4],
  ['kill-coordinator', 2],
  ['restart-redis', 2],
  ['storage-outage', 2],
];

/** Seconds between the end of one fault's recovery and the next fault. */
const GAP_S = { min: 10, max: 30 };
/** How long a service stays away. */
const DOWN_MS = { min: 1000, max: 6000 };

/**
 * The soak's faults for `seed`, endless: a pure function of the seed, so a failing soak is
 * repeated with the same schedule. Gaps count from the previous fault's recovery (which only
 * the run knows), not from the start.
 */
export function* faultSchedule(seed: number): Generator<PlannedFault> {
  const rng = new Rng([seed, 0x50a4]);
  const total = WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  for (;;) {
    let draw = rng.int(total);
    const kind = WEIGHTS.find(([, w]) => (draw -= w) < 0)?.[0] ?? 'kill-worker';
    yield { gapS: rng.uniform(GAP_S.min, GAP_S.max), kind, downMs: Math.round(rng.uniform(DOWN_MS.min, DOWN_MS.max)), pick: rng.int(1 << 20) };
  }
}
