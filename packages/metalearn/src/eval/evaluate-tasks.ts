import * as tf from '@tensorflow/tfjs';
import { innerLoop } from '../algorithms/inner-loop';
import { perTaskLoss } from '../algorithms/losses';
import { prototypeLogits } from '../algorithms/prototypes';
import { disposeBatch, stackTasks } from '../algorithms/task-batch';
import type { FunctionalModel, TensorMap } from '../models/model';
import { LEARNED_LR_PREFIX, type ParamSet, type Task, type TaskFamily } from '@metatrain/core';

/** How a trained model adapts to a task at evaluation time. */
export interface Adaptation {
  method: 'sgd' | 'prototypes';
  steps: number;
  lr: number;
  /** parameters the SGD steps change */
  parameters: string[];
}

/** Query outputs of one task before and after adaptation. */
export interface AdaptedOutputs {
  before: Float32Array;
  after: Float32Array;
  beforeLoss: number;
  afterLoss: number;
}

/**
 * Adapts `params` to each task (SGD on the support set, or class prototypes) and returns the
 * query outputs before and after. Tasks are processed one at a time, so any model works.
 */
export function adaptAndPredict(model: FunctionalModel, family: TaskFamily, params: ParamSet, adaptation: Adaptation, tasks: Task[]): AdaptedOutputs[] {
  const meta: TensorMap = {};
  for (const p of params) meta[p.name] = tf.tensor(p.values, p.shape);
  const learnedLrs = params.some((p) => p.name.startsWith(LEARNED_LR_PREFIX));
  try {
    return tasks.map((task) => {
      const batch = stackTasks([task], family);
      try {
        const [before, after, losses] = tf.tidy(() => {
          if (adaptation.method === 'prototypes') {
            const logits = prototypeLogits(model.forward(meta, batch.support.x), batch.support.y, model.forward(meta, batch.query.x));
            const loss = perTaskLoss('classification', logits, batch.query.y);
            return [logits, logits, tf.concat([loss, loss])];
          }
          const pre = model.forward(meta, batch.query.x);
          const phi = innerLoop(meta, batch.support, {
            model,
            kind: family.kind,
            adaptNames: adaptation.parameters,
            steps: adaptation.steps,
            lr: adaptation.lr,
            learnedLrs,
          });
          const post = model.forward({ ...meta, ...phi }, batch.query.x);
          return [pre, post, tf.concat([perTaskLoss(family.kind, pre, batch.query.y), perTaskLoss(family.kind, post, batch.query.y)])];
        });
        const lossValues = losses.dataSync();
        const result = {
          before: before.dataSync() as Float32Array,
          after: after.dataSync() as Float32Array,
          beforeLoss: lossValues[0] ?? NaN,
          afterLoss: lossValues[1] ?? NaN,
        };
        tf.dispose([before, after, losses]);
        return result;
      } finally {
        disposeBatch(batch);
      }
    });
  } finally {
    tf.dispose(Object.values(meta));
  }
}
