import type { Rng } from '../rng/counter-rng';

/** Examples of one side (support or query) of a task, row-major. */
export interface Examples {
  /** n × inputShape, flattened */
  x: Float32Array;
  /** regression: n × outputSize targets; classification: n labels in [0, ways) */
  y: Float32Array | Int32Array;
  n: number;
}

/** One few-shot task: adapt on `support`, score on `query`. */
export interface Task {
  support: Examples;
  query: Examples;
}

export type TaskKind = 'regression' | 'classification';

/** Which classes or groups a task may draw from: meta-training, or held out for evaluation. */
export type TaskSplit = 'train' | 'test';

/** How raw inputs were turned into model inputs; stored in an export's meta.json. */
export interface Preprocessing {
  [key: string]: unknown;
}

/** A distribution over tasks. Sampling is a pure function of the stream it is given. */
export interface TaskFamily {
  readonly family: string;
  readonly kind: TaskKind;
  /** shape of one example, e.g. [1] for sinusoid, [28, 28, 1] for omniglot */
  readonly inputShape: number[];
  /** regression: target width; classification: number of ways */
  readonly outputSize: number;
  /** support and query sizes (equal for every task, so tasks of a shard stack) */
  readonly supportSize: number;
  readonly querySize: number;
  sample(rng: Rng, split: TaskSplit): Task;
  /** self-describing facts for export/meta.json: label set, preprocessing, source */
  describe(): { labels?: string[]; preprocessing: Preprocessing; source: Record<string, unknown> };
}
