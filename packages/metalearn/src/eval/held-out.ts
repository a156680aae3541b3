import type { FunctionalModel } from '../models/model';
import type { ParamSet } from '../params';
import { Purpose, Rng } from '../rng/counter-rng';
import type { Task, TaskFamily } from '../tasks/task';
import { type Adaptation, adaptAndPredict } from './evaluate-tasks';
import { macroF1, meanCi95 } from './stats';

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

/**
 * Adapts the model to fresh tasks from the held-out split (classes or groups never used in
 * training; streams disjoint from training tasks) and reports loss, and for classification
 * accuracy and macro-F1, before and after adaptation.
 */
export function evaluateHeldOut(options: HeldOutOptions): HeldOutReport {
  const { family, model } = options;
  const classes = family.outputSize;
  const rows = { beforeLoss: [] as number[], afterLoss: [] as number[], beforeAcc: [] as number[], afterAcc: [] as number[], beforeF1: [] as number[], afterF1: [] as number[] };
  for (let start = 0; start < options.tasks; start += CHUNK) {
    const tasks: Task[] = [];
    for (let i = start; i < Math.min(options.tasks, start + CHUNK); i++) {
      tasks.push(family.sample(Rng.for(options.seed, Purpose.EvalTask, options.stream, i), 'test'));
    }
    const outputs = adaptAndPredict(model, family, options.params, options.adaptation, tasks);
    outputs.forEach((o, t) => {
      rows.beforeLoss.push(o.beforeLoss);
      rows.afterLoss.push(o.afterLoss);
      if (family.kind !== 'classification') return;
      const labels = (tasks[t] as Task).query.y;
      const width = o.after.length / labels.length;
      for (const [which, values] of [['before', o.before], ['after', o.after]] as const) {
        const predicted = argmaxRows(values, width);
        const correct = predicted.reduce((n, p, k) => n + (p === labels[k] ? 1 : 0), 0);
        rows[`${which}Acc`].push(correct / labels.length);
        rows[`${which}F1`].push(macroF1(predicted, labels, Math.max(classes, width)));
      }
    });
  }
  const side = (which: 'before' | 'after') => ({
    loss: ci(rows[`${which}Loss`]),
    ...(family.kind === 'classification' ? { accuracy: ci(rows[`${which}Acc`]), macroF1: ci(rows[`${which}F1`]) } : {}),
  });
  return { tasks: options.tasks, before: side('before'), after: side('after') };
}
