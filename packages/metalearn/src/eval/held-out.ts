import type { FunctionalModel } from '../models/model';
import { type Adaptation, adaptAndPredict } from './evaluate-tasks';
import { macroF1, meanCi95, type ParamSet, Purpose, Rng, type Task, type TaskFamily } from '@metatrain/core';

export interface MetricCi {
  mean: number;
  ci95: number;
}

/** Mean ± 95 % CI over held-out tasks, before and after adaptation. */
export interface HeldOutReport {
  tasks: number;
  before: { loss: MetricCi; accuracy?: MetricCi; macroF1?: MetricCi };
  after: { loss: MetricCi; accuracy?: MetricCi; macroF1?: MetricCi };
}

export interface HeldOutOptions {
  model: FunctionalModel;
  family: TaskFamily;
  params: ParamSet;
  adaptation: Adaptation;
  tasks: number;
  /** with `stream`, picks which held-out tasks: the same key gives the same tasks */
  seed: number;
  /** separates evaluation streams, e.g. periodic evaluation during training vs `metatrain eval` */
  stream: number;
}

const CHUNK = 50;

function argmaxRows(values: Float32Array, width: number): Int32Array {
  const out = new Int32Array(values.length / width);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if ((values[r * width + c] as number) > (values[r * width + best] as number)) best = c;
    out[r] = best;
  }
  return out;
}

function ci(values: number[]): MetricCi {
  const { mean, ci95 } = meanCi95(values);
  return { mean, ci95 };
}

/** One held-out task's results before and after adaptation (accuracy and F1 for classification only). */
export interface HeldOutTaskResult {
  /** the task's index in its evaluation stream */
  task: number;
  preLoss: number;
  postLoss: number;
  preAccuracy?: number;
  postAccuracy?: number;
  preMacroF1?: number;
  postMacroF1?: number;
}

/** Which held-out tasks: indices `start … end-1` of the evaluation stream. */
export interface TaskRange {
  start: number;
  end: number;
}

/**
 * Adapts the model to the held-out tasks `range` of the stream and reports each task's
 * results, in task order. Task i depends only on (seed, stream, i) and each task is adapted
 * on its own, so any split of a range into parts gives the same numbers as the whole.
 */
export function evaluateHeldOutTasks(options: Omit<HeldOutOptions, 'tasks'>, range: TaskRange): HeldOutTaskResult[] {
  const { family, model } = options;
  const classes = family.outputSize;
  const results: HeldOutTaskResult[] = [];
  for (let start = range.start; start < range.end; start += CHUNK) {
    const tasks: Task[] = [];
    for (let i = start; i < Math.min(range.end, start + CHUNK); i++) {
      tasks.push(family.sample(Rng.for(options.seed, Purpose.EvalTask, options.stream, i), 'test'));
    }
    const outputs = adaptAndPredict(model, family, options.params, options.adaptation, tasks);
    outputs.forEach((o, t) => {
      const result: HeldOutTaskResult = { task: start + t, preLoss: o.beforeLoss, postLoss: o.afterLoss };
      if (family.kind === 'classification') {
        const labels = (tasks[t] as Task).query.y;
        const width = o.after.length / labels.length;
        for (const [which, values] of [['pre', o.before], ['post', o.after]] as const) {
          const predicted = argmaxRows(values, width);
          const correct = predicted.reduce((n, p, k) => n + (p === labels[k] ? 1 : 0), 0);
          result[`${which}Accuracy`] = correct / labels.length;
          result[`${which}MacroF1`] = macroF1(predicted, labels, Math.max(classes, width));
        }
      }
      results.push(result);
    });
  }
  return results;
}

/**
 * Adapts the model to fresh tasks from the held-out split (classes or groups never used in
 * training; streams disjoint from training tasks) and reports loss, and for classification
 * accuracy and macro-F1, before and after adaptation.
 */
export function evaluateHeldOut(options: HeldOutOptions): HeldOutReport {
  const results = evaluateHeldOutTasks(options, { start: 0, end: options.tasks });
  const column = (key: Exclude<keyof HeldOutTaskResult, 'task'>) => ci(results.map((r) => r[key] as number));
  const classification = options.family.kind === 'classification';
  const side = (which: 'pre' | 'post') => ({
    loss: column(`${which}Loss`),
    ...(classification ? { accuracy: column(`${which}Accuracy`), macroF1: column(`${which}MacroF1`) } : {}),
  });
  return { tasks: options.tasks, before: side('pre'), after: side('post') };
}
