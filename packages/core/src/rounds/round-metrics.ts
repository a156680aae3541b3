// The records of a job's progress, one type each from the maths to every reader: the
// RoundCompleted and EvalCompleted events (same field names in job.proto), metrics.jsonl, the
// dashboard and the CLI. Losses and accuracies are on the tasks' query sets.

/** What one round did. Round r takes the parameters from version r to version r + 1. */
export interface RoundMetrics {
  /** The round (0-based): it computed from parameter version `round`. */
  round: number;
  /** Tasks in the round (the meta-batch). */
  tasks: number;
  /** The meta-objective: mean query loss after adaptation. */
  metaLoss: number;
  /** Mean query loss before / after the inner-loop adaptation. */
  preLoss: number;
  postLoss: number;
  /** Mean query accuracy before / after adaptation; classification only. */
  preAccuracy?: number;
  postAccuracy?: number;
  /** The outer learning rate of the round's step (Reptile: its ε). */
  outerLr: number;
  /** Wall-clock time from planning the round to the new parameters. */
  roundMs: number;
  tasksPerSecond: number;
  /** Distinct workers that computed the round's shards (1 in one process). */
  workers: number;
  /** Compute backends of the round's shards (tensorflow, wasm, cpu). */
  backends: string[];
}

/** The part of {@link RoundMetrics} the maths gives: a function of (spec, round) alone. */
export type RoundSummary = Pick<RoundMetrics, 'round' | 'tasks' | 'metaLoss' | 'preLoss' | 'postLoss' | 'preAccuracy' | 'postAccuracy' | 'outerLr'>;

/** One periodic held-out evaluation (the spec's `eval:`) of one parameter version. */
export interface EvalMetrics {
  /** The parameter version evaluated (= rounds completed when it was evaluated). */
  version: number;
  /** Held-out tasks evaluated. */
  tasks: number;
  preLoss: number;
  postLoss: number;
  preAccuracy?: number;
  postAccuracy?: number;
  /** Wall-clock time from planning the evaluation to its last result. */
  evalMs: number;
  /** Distinct workers that computed the evaluation's shards. */
  workers: number;
}

/** The part of {@link EvalMetrics} the maths gives: a function of (spec, version) alone. */
export type EvalSummary = Pick<EvalMetrics, 'tasks' | 'preLoss' | 'postLoss' | 'preAccuracy' | 'postAccuracy'>;
