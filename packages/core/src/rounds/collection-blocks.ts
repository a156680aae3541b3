import { planEvalBlocks } from '../evaluation/periodic-evaluation';
import type { JobSpec } from '../spec/schema';
import { type BlockPlan, planBlocks, type ShardKind } from './plan-blocks';

/** The blocks of a round: `outer.metaBatchSize` tasks, `blockSize` per block, in task order. */
export function planRoundBlocks(spec: JobSpec): BlockPlan[] {
  return planBlocks(spec.outer.metaBatchSize, spec.blockSize);
}

/** The blocks of a collection of `kind`: a round's, or a periodic evaluation's. */
export function planCollectionBlocks(spec: JobSpec, kind: ShardKind): BlockPlan[] {
  return kind === 'train' ? planRoundBlocks(spec) : planEvalBlocks(spec);
}
