import type { JobSpec } from '../spec/schema';
import type { OptimizerKind } from './outer-optimizer';

/** A job's local steps (spec `outer.localSteps`, `outer.sync`), defaults filled in. */
export interface LocalSteps {
  /** Meta-steps each block takes from θ_r in a round. */
  steps: number;
  /** The step on the blocks' mean parameter change. */
  sync: { optimizer: Extract<OptimizerKind, 'sgd' | 'nesterov'>; lr: number; momentum: number };
}

/** DiLoCo's outer step (Douillard et al. 2023): Nesterov momentum 0.9 with lr 0.7. */
const DEFAULT_SYNC: LocalSteps['sync'] = { optimizer: 'nesterov', lr: 0.7, momentum: 0.9 };

/** The job's local steps, or undefined when it takes one meta-step a round (no `outer.localSteps`). */
export function localStepsOf(spec: Pick<JobSpec, 'outer'>): LocalSteps | undefined {
  const { localSteps, sync } = spec.outer;
  return localSteps === undefined ? undefined : { steps: localSteps, sync: sync ?? DEFAULT_SYNC };
}

/** The optimizer whose state a job carries from round to round: `outer.optimizer`, or with local steps the sync step's. */
export function roundOptimizer(spec: Pick<JobSpec, 'outer'>): OptimizerKind {
  return localStepsOf(spec)?.sync.optimizer ?? spec.outer.optimizer;
}
