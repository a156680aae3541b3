import type { ComputeContext } from '../compute/compute-shard';
import type { Adaptation } from './evaluate-tasks';

/** How a job's meta-model adapts to a new task: the training inner loop, or class prototypes (ProtoNets). */
export function adaptationFor(ctx: ComputeContext): Adaptation {
  return {
    method: ctx.spec.algorithm === 'protonet' ? 'prototypes' : 'sgd',
    steps: ctx.spec.inner.steps,
    lr: ctx.spec.inner.lr,
    parameters: ctx.config.adaptNames,
  };
}
