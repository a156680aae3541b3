import type { Rng } from '../rng/counter-rng';
import type { SinusoidTasksSpec } from '../spec/schema';
import type { Examples, Task, TaskFamily, TaskSplit } from './task';

/** Ranges of Finn et al. 2017 (MAML), §5.1. */
export const SINUSOID_RANGES = {
  amplitude: [0.1, 5],
  phase: [0, Math.PI],
  x: [-5, 5],
} as const;

/** The parameters a sinusoid task was drawn with; exposed for tests and plots. */
export interface SinusoidParams {
  amplitude: number;
  phase: number;
}

function points(rng: Rng, n: number, { amplitude, phase }: SinusoidParams): Examples {
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const [lo, hi] = SINUSOID_RANGES.x;
  for (let i = 0; i < n; i++) {
    const xi = rng.uniform(lo, hi);
    x[i] = xi;
    y[i] = amplitude * Math.sin(xi - phase);
  }
  return { x, y, n };
}

/**
 * Draws one task: amplitude, then phase, then the support xs, then the query xs, all from
 * `rng`. Targets are computed from the float64 x before it is rounded to float32.
 */
export function sampleSinusoid(rng: Rng, shots: number, queryShots: number): Task & { params: SinusoidParams } {
  const params: SinusoidParams = {
    amplitude: rng.uniform(...SINUSOID_RANGES.amplitude),
    phase: rng.uniform(...SINUSOID_RANGES.phase),
  };
  return { params, support: points(rng, shots, params), query: points(rng, queryShots, params) };
}

/**
 * Sinusoid regression, y = A·sin(x − φ). Train and test tasks come from the same
 * distribution; the caller keeps them apart by using disjoint Rng streams.
 */
export function createSinusoidFamily(spec: SinusoidTasksSpec): TaskFamily {
  return {
    family: 'sinusoid',
    kind: 'regression',
    inputShape: [1],
    outputSize: 1,
    supportSize: spec.shots,
    querySize: spec.queryShots,
    sample(rng: Rng, _split: TaskSplit): Task {
      const { support, query } = sampleSinusoid(rng, spec.shots, spec.queryShots);
      return { support, query };
    },
    describe() {
      return {
        preprocessing: {},
        source: {
          family: 'sinusoid',
          formula: 'y = A * sin(x - phase)',
          amplitude: [...SINUSOID_RANGES.amplitude],
          phase: [...SINUSOID_RANGES.phase],
          x: [...SINUSOID_RANGES.x],
        },
      };
    },
  };
}
