import { type EvalTaskMetrics, type JobSpec, planEvalShards, type ShardPlan, summarizeEval } from '@metatrain/core';
import type { EvalCompleted } from '@metatrain/contract';
import type { ShardQueue } from '../queue/shard-queue';
import { EvalTracker } from '../rounds/eval-tracker';
import type { AcceptOutcome, EvalReport } from '../rounds/shard-report';
import type { JobObserver } from './job-runner';
import { ShardCollector } from './shard-collector';

/** What an evaluation works with: a part of JobRunnerDeps. */
export interface EvaluationDeps {
  queue: ShardQueue;
  observer: JobObserver;
  shardDeadlineMs: number;
  log: (line: string) => void;
}

/**
 * One periodic held-out evaluation of one job (the spec's `eval:`): the evaluation shards of
 * parameter version `version`, enqueued like train shards (ids `{jobId}-r{version}-e{shard}`),
 * computed by workers, collected first-result-wins with the same straggler re-enqueue, and
 * summed up in task order.
 */
export class Evaluation {
  private readonly collector: ShardCollector<EvalReport, EvalTaskMetrics[]>;
  private readonly plan: ShardPlan[];

  constructor(
    private readonly jobId: string,
    spec: JobSpec,
    readonly version: number,
    private readonly deps: EvaluationDeps,
  ) {
    this.plan = planEvalShards(spec);
    this.collector = new ShardCollector(version, new EvalTracker(version, this.plan), this.plan, deps.shardDeadlineMs, (missing) => {
      deps.observer.shardsReenqueued(missing.length);
      deps.queue.reenqueue(jobId, version, missing, version, 'eval').catch((err: unknown) => deps.log(`job ${jobId}: re-enqueue of evaluation shards failed: ${String(err)}`));
    });
  }

  /** Files a worker's report (EvalTracker.accept). */
  accept(report: EvalReport): AcceptOutcome {
    return this.collector.accept(report);
  }

  /** Ends the wait early (cancel, shutdown): run() then resolves undefined. */
  interrupt(): void {
    this.collector.interrupt();
  }

  /** Enqueues the shards and waits for all of them; undefined when interrupted first. */
  async run(): Promise<EvalCompleted | undefined> {
    const started = performance.now();
    await this.deps.queue.enqueueRound(this.jobId, this.version, this.plan, this.version, 'eval');
    const end = await this.collector.wait();
    if ('interrupted' in end) return undefined;
    const summary = summarizeEval(end.complete);
    return {
      round: this.version,
      tasks: summary.tasks,
      preAdaptationLoss: summary.preLoss,
      postAdaptationLoss: summary.postLoss,
      ...(summary.postAccuracy !== undefined ? { preAdaptationAccuracy: summary.preAccuracy, postAdaptationAccuracy: summary.postAccuracy } : {}),
      evalMs: performance.now() - started,
      workers: this.collector.workers().length,
    };
  }
}
