import { CheckpointError } from '../errors';
import type { ComputeContext } from '../executor/compute-context';
import type { MetaState } from '../rounds/apply-round';
import type { Checkpoint } from './checkpoint-store';

/** A job's state as a checkpoint: parameters, optimizer slots, and the scalars in state.json. */
export function toCheckpoint(state: MetaState, backend: string): Checkpoint {
  return {
    round: state.round,
    params: state.params,
    optimizer: state.optimizer.slots,
    state: { round: state.round, optimizer: { kind: state.optimizer.kind, step: state.optimizer.step }, backend },
  };
}

/** Restores a job's state, checking that the checkpoint fits the job's parameter layout. */
export function fromCheckpoint(ctx: ComputeContext, ckpt: Checkpoint): MetaState {
  const layout = ctx.layout.map((p) => `${p.name}:${p.shape.join('x')}`).join(',');
  const saved = ckpt.params.map((p) => `${p.name}:${p.shape.join('x')}`).join(',');
  if (layout !== saved) throw new CheckpointError(`checkpoint ${ckpt.round} does not match the job's parameters`);
  const optimizer = ckpt.state.optimizer as { kind?: unknown; step?: unknown } | undefined;
  if ((optimizer?.kind !== 'adam' && optimizer?.kind !== 'sgd') || typeof optimizer.step !== 'number') {
    throw new CheckpointError(`checkpoint ${ckpt.round}: state.json has no optimizer state`);
  }
  return { round: ckpt.round, params: ckpt.params, optimizer: { kind: optimizer.kind, step: optimizer.step, slots: ckpt.optimizer } };
}
