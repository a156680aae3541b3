import { validateSpec } from '../spec/parse-spec';
import type { JobSpec, JobSpecInput } from '../spec/schema';

/** A small valid spec for tests; `overrides` replace whole top-level fields. */
export function testSpec(overrides: Partial<JobSpecInput> = {}): JobSpec {
  return validateSpec({
    name: 'test-job',
    algorithm: 'maml',
    model: { kind: 'mlp', hidden: [16, 16] },
    tasks: { family: 'sinusoid', shots: 5, queryShots: 5 },
    inner: { steps: 1, lr: 0.01 },
    outer: { lr: 0.003, metaBatchSize: 8, iterations: 50 },
    blockSize: 4,
    seed: 3,
    ...overrides,
  });
}
