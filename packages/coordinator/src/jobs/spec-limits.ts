import { type JobSetup, planRoundBlocks } from '@metatrain/core';

/**
 * How big a job this coordinator accepts at SubmitJob (docs/SECURITY.md). A spec may be valid
 * and still ask for more memory than a coordinator or worker has; these refuse it up front,
 * naming the field, instead of failing (or crashing a process) later.
 */
export interface SpecLimits {
  /** `outer.metaBatchSize`: tasks per round. */
  maxMetaBatchSize: number;
  /** The meta-parameters the model has (Meta-SGD's learned lrs included). */
  maxModelParameters: number;
  /** Examples in one task, support and query together: what a worker holds per task. */
  maxTaskExamples: number;
  /**
   * Bytes of the block sums the coordinator holds while it collects a round:
   * blocks (ceil(metaBatchSize / blockSize)) × parameters × 4. Also the largest report it
   * accepts: a shard carries at most every block of a round.
   */
  maxRoundBytes: number;
  /** Bytes of one data file uploaded with a job (UploadData): held in memory while it streams in. */
  maxDataBytes: number;
}

/** The defaults: far above the published benchmarks' jobs, far below a typical machine's memory. */
export const DEFAULT_SPEC_LIMITS: SpecLimits = {
  maxMetaBatchSize: 1000,
  maxModelParameters: 10_000_000,
  maxTaskExamples: 10_000,
  maxRoundBytes: 1024 * 1024 * 1024,
  maxDataBytes: 256 * 1024 * 1024,
};

/** The environment variable of each limit (docs/RUNNING.md). */
export const SPEC_LIMIT_ENV = {
  maxMetaBatchSize: 'MAX_META_BATCH_SIZE',
  maxModelParameters: 'MAX_MODEL_PARAMETERS',
  maxTaskExamples: 'MAX_TASK_EXAMPLES',
  maxRoundBytes: 'MAX_ROUND_BYTES',
  maxDataBytes: 'MAX_DATA_BYTES',
} as const satisfies Record<keyof SpecLimits, string>;

const BYTES_PER_PARAMETER = 4;

/** Number of meta-parameters of a job: what travels in every GetParameters and ReportShard. */
export function parameterCount(ctx: JobSetup): number {
  return ctx.layout.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}

/** One line per limit `ctx` exceeds, naming the spec field, the limit and its variable. */
export function limitProblems(ctx: JobSetup, limits: SpecLimits): string[] {
  const { spec, family } = ctx;
  const n = (value: number) => value.toLocaleString('en-US');
  const limit = (name: keyof SpecLimits) => `this coordinator's limit of ${n(limits[name])} (${SPEC_LIMIT_ENV[name]})`;
  const problems: string[] = [];

  if (spec.outer.metaBatchSize > limits.maxMetaBatchSize) problems.push(`outer.metaBatchSize: ${n(spec.outer.metaBatchSize)} is above ${limit('maxMetaBatchSize')}`);
  const parameters = parameterCount(ctx);
  if (parameters > limits.maxModelParameters) problems.push(`model: ${n(parameters)} parameters are above ${limit('maxModelParameters')}`);
  const examples = family.supportSize + family.querySize;
  if (examples > limits.maxTaskExamples) problems.push(`tasks.shots: ${n(examples)} examples per task (support + query) are above ${limit('maxTaskExamples')}`);
  const blocks = planRoundBlocks(spec).length;
  const roundBytes = blocks * parameters * BYTES_PER_PARAMETER;
  if (parameters <= limits.maxModelParameters && roundBytes > limits.maxRoundBytes) {
    problems.push(`blockSize: ${n(blocks)} block sums of ${n(parameters)} parameters take ${n(roundBytes)} bytes per round, above ${limit('maxRoundBytes')}; a larger blockSize means fewer blocks`);
  }
  return problems;
}
