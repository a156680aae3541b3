import { type BlockPlan, blocksInRange, type ParamSet, type ParamShape, type ShardKind } from '@metatrain/core';
import { unstackBlockSums } from '@metatrain/contract';
import type { CollectedBlock } from '@metatrain/job-loop';
import { layoutProblem, metricsProblem, nonFiniteProblem } from './check-report';
import type { AcceptOutcome, ShardReport } from './shard-report';

/** What a collection's reports are checked against. */
export interface ShardTrackerOptions {
  kind: ShardKind;
  /** The parameter version the blocks compute from (a round's number). */
  version: number;
  /** The job's parameter layout (names and shapes, in order); every train block sum must match it. */
  layout: readonly ParamShape[];
  /** The collection's blocks (`planRoundBlocks`, `planEvalBlocks`), index i at position i. */
  blocks: readonly BlockPlan[];
}

/**
 * Collects the block results of one collection of one job: a round (`train`) or a periodic
 * evaluation (`eval`). Pure: no I/O, no clock. A report names a range of blocks (a shard of
 * any size) and carries one result per block. The first valid result of a block wins: a report
 * whose blocks are all held is DUPLICATE, one that adds at least one block is ACCEPTED (its
 * blocks already held are ignored: their bits are identical by construction). So retries,
 * re-enqueued stragglers, shards of another grouping (a successor coordinator's) and a second
 * backend cannot change which bits are reduced, and the results come out in block order
 * whatever the arrival order.
 *
 * Held sums are kept by reference, not copied (they can be megabytes): callers hand over
 * ownership and must not mutate a sum after reporting it.
 */
export class ShardTracker {
  readonly kind: ShardKind;
  readonly version: number;
  private readonly layout: readonly ParamShape[];
  private readonly plan: readonly BlockPlan[];
  private readonly held = new Map<number, CollectedBlock>();

  constructor(options: ShardTrackerOptions) {
    if (!Number.isSafeInteger(options.version) || options.version < 0) {
      throw new RangeError(`version must be a non-negative integer, got ${options.version}`);
    }
    if (options.blocks.length === 0) throw new RangeError('a collection needs at least one block');
    options.blocks.forEach((b, i) => {
      // accept() indexes the plan by block number, so the plan must be dense and in order.
      if (b.index !== i) throw new RangeError(`block plan entry ${i} has index ${b.index}`);
    });
    this.kind = options.kind;
    this.version = options.version;
    this.layout = options.layout.map((p) => ({ name: p.name, shape: [...p.shape] }));
    this.plan = options.blocks.map((b) => ({ ...b }));
  }

  /** Number of blocks in the collection. */
  get blockCount(): number {
    return this.plan.length;
  }

  /**
   * Takes one report. Order of the checks: a report of an earlier version is STALE whatever
   * the content (the worker should just drop it); a malformed report is rejected even when its
   * blocks are held, so a broken worker is told so regardless of arrival order; only then is a
   * report adding no block DUPLICATE.
   */
  accept(report: ShardReport): AcceptOutcome {
    if (report.kind !== this.kind) return { rejected: `kind: a ${report.kind} report, the job is collecting ${this.describe()}` };
    if (report.version < this.version) return 'STALE';
    if (report.version !== this.version) {
      const open = this.kind === 'train' ? `is not open (the job is collecting round ${this.version})` : `is not being evaluated (the job is evaluating version ${this.version})`;
      return { rejected: `version: ${report.version} ${open}`, notOpenYet: true };
    }
    const blocks = blocksInRange(this.plan, { first: report.firstBlock, count: report.blockCount });
    if ('problem' in blocks) return { rejected: `${blocks.problem} of ${this.describe()}` };
    const problem =
      this.kind === 'train'
        ? (layoutProblem(report.sum, this.layout, blocks.length) ?? metricsProblem(report.metrics, blocks) ?? nonFiniteProblem(report.sum))
        : metricsProblem(report.metrics, blocks);
    if (problem) return { rejected: problem };
    const sums: ParamSet[] = this.kind === 'train' ? unstackBlockSums(report.sum, blocks.length) : blocks.map(() => []);
    const { workerId, backend } = report;
    let added = 0;
    blocks.forEach((block, b) => {
      if (this.held.has(block.index)) return;
      const metrics = report.metrics.slice(block.start - (blocks[0] as BlockPlan).start, block.end - (blocks[0] as BlockPlan).start);
      this.held.set(block.index, { block: block.index, sum: sums[b] as ParamSet, metrics, workerId, backend });
      added++;
    });
    return added > 0 ? 'ACCEPTED' : 'DUPLICATE';
  }

  /** Whether a valid result of `block` is held. */
  has(block: number): boolean {
    return this.held.has(block);
  }

  /** True once every block is held. */
  isComplete(): boolean {
    return this.held.size === this.plan.length;
  }

  /** Indices of the blocks still to come, ascending (what a straggler re-enqueue asks for). */
  missingBlocks(): number[] {
    return this.plan.map((b) => b.index).filter((i) => !this.held.has(i));
  }

  /**
   * The held blocks sorted by block index: the reduction order is fixed by index, never by
   * arrival or grouping, which is what makes θ_{r+1} a function of (spec, r).
   * @throws Error when blocks are missing.
   */
  complete(): CollectedBlock[] {
    const missing = this.missingBlocks();
    if (missing.length > 0) throw new Error(`${this.describe()} is incomplete: missing blocks ${missing.join(', ')}`);
    return this.plan.map((b) => this.held.get(b.index) as CollectedBlock);
  }

  /** Distinct ids of the workers whose results are held, sorted. */
  workers(): string[] {
    return distinct([...this.held.values()].map((r) => r.workerId));
  }

  /** Distinct compute backends of the held results, sorted (RoundCompleted.backends). */
  backends(): string[] {
    return distinct([...this.held.values()].map((r) => r.backend));
  }

  private describe(): string {
    return this.kind === 'train' ? `round ${this.version}` : `the evaluation of version ${this.version}`;
  }
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort();
}
