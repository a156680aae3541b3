import type { JobObserver } from '@metatrain/coordinator';
import { startBenchCoordinator } from './bench-coordinator';
import { DEFAULT_QUEUE_NAME } from '@metatrain/contract';
import { type ShardTimes, startStubFleet } from './stub-fleet';

// Part b and c of `pnpm bench scaling`: the real coordinator's job side (bench-coordinator.ts)
// against W real Workers with the compute stub (stub-fleet.ts) in child processes.

/** One setting: W workers, each shard one task of `msPerTask`. */
export interface SimulatedSetting {
  workers: number;
  msPerTask: number;
  rounds: number;
  /** Child processes the workers are spread over. */
  processes: number;
}

/** What one setting measured, raw: per-round samples after the warm-up. */
export interface SimulatedRun extends SimulatedSetting {
  /** Round times (ms): completion of round r−1 to completion of round r. */
  roundMs: number[];
  /** The coordinator's orchestration overhead per round (ms). */
  overheadMs: number[];
  /** The coordinator process's CPU time (user + system) per round, ms. */
  coordinatorCpuMsPerRound: number;
  /** The fleet processes' CPU time per round (whole run, start-up included), ms. */
  fleetCpuMsPerRound: number;
  /** Accepted train shards after the warm-up, as the workers timed them. */
  shards: ShardTimes[];
  /** Outcomes other than accepted (there should be none). */
  otherOutcomes: Record<string, number>;
  reenqueued: number;
}

/** Rounds left out at the start of each setting: connections, JIT, first spec and θ fetches. */
export const WARM_UP = 5;

const spec = (s: SimulatedSetting): string => `
name: scaling-w${s.workers}
algorithm: maml
model: { kind: mlp, hidden: [40, 40], activation: relu }
tasks: { family: sinusoid, shots: 5, queryShots: 10 }
inner: { steps: 1, lr: 0.01 }
outer: { optimizer: adam, lr: 0.001, metaBatchSize: ${s.workers}, iterations: ${s.rounds} }
blockSize: 1
shardSize: 1
checkpoint: { everyRounds: ${s.rounds + 1}, keep: 1 }
seed: 1
`;

/** Records round completions (with the process's CPU time then), overhead samples and re-enqueues. */
class RoundRecorder implements JobObserver {
  readonly completedAt: number[] = [];
  readonly cpuAt: number[] = [];
  readonly overheads: number[] = [];
  reenqueued = 0;
  jobSubmitted(): void {}
  roundCompleted(): void {
    this.completedAt.push(performance.now());
    const cpu = process.cpuUsage();
    this.cpuAt.push((cpu.user + cpu.system) / 1000);
  }
  orchestrationOverhead(seconds: number): void {
    this.overheads.push(seconds * 1000);
  }
  shardsReenqueued(count: number): void {
    this.reenqueued += count;
  }
  checkpointWritten(): void {}
  checkpointFailed(): void {}
  jobFinished(): void {}
}

/** Runs one job of `setting.rounds` rounds of W one-task shards against W stub workers. */
export async function runSimulated(setting: SimulatedSetting, redisUrl: string): Promise<SimulatedRun> {
  const observer = new RoundRecorder();
  const coordinator = await startBenchCoordinator({ redisUrl, observer });
  try {
    const fleet = await startStubFleet(
      { coordinatorAddress: coordinator.address, redisUrl, queuePrefix: coordinator.prefix, queueName: DEFAULT_QUEUE_NAME, msPerTask: setting.msPerTask },
      setting.workers,
      setting.processes,
    );
    let measured: Awaited<ReturnType<typeof fleet.close>>;
    try {
      const job = await coordinator.manager.submit(spec(setting));
      await Promise.race([coordinator.jobEnded(job.id), fleet.failed]);
    } finally {
      measured = await fleet.close();
    }
    const { completedAt, cpuAt } = observer;
    const rounds = completedAt.length - 1 - WARM_UP;
    return {
      ...setting,
      roundMs: completedAt.slice(WARM_UP + 1).map((t, i) => t - (completedAt[WARM_UP + i] ?? NaN)),
      // Sample k follows round k (its window ends with round k+1's shards enqueued).
      overheadMs: observer.overheads.slice(WARM_UP),
      coordinatorCpuMsPerRound: ((cpuAt.at(-1) ?? NaN) - (cpuAt[WARM_UP] ?? NaN)) / rounds,
      fleetCpuMsPerRound: measured.cpuMs / completedAt.length,
      shards: measured.shards.filter((s) => s.version > WARM_UP),
      otherOutcomes: measured.otherOutcomes,
      reenqueued: observer.reenqueued,
    };
  } finally {
    await coordinator.close();
  }
}
