import type { JobEvent } from '@metatrain/contract';
import { toJob } from '../grpc/job-service';
import type { JobRecord } from '../registry/job-record';
import { isFinal } from '../registry/job-transitions';

/** One line of the jobs page. Times in ms; rates from the job's recent events on this coordinator (none once it ended). */
export interface JobSummary {
  id: string;
  name: string;
  state: string;
  algorithm: string;
  taskFamily: string;
  roundsCompleted: number;
  totalRounds: number;
  /** Mean of the last rounds' tasks per second; absent before the first round. */
  tasksPerSecond?: number;
  /** Since submission; until the end for a finished job. */
  elapsedMs: number;
  /** Rounds left at the recent wall-clock pace (evaluations and checkpoints included). */
  etaMs?: number;
  lastMetaLoss?: number;
  createdAtMs: number;
  error: string;
}

/** Rounds the throughput and the pace are averaged over. */
const WINDOW = 20;

/**
 * The summary of `record`, brought up to date by its events: the registry's rounds completed
 * are written just after the RoundCompleted event, so the newest event wins.
 */
export function jobSummary(record: JobRecord, events: readonly JobEvent[], now: number): JobSummary {
  const job = toJob(record);
  const rounds: Array<{ time: number; round: number; metaLoss: number; tasksPerSecond: number }> = [];
  for (const e of events) if (e.kind?.$case === 'roundCompleted') rounds.push({ time: e.timeMs, ...e.kind.value });
  const recent = rounds.slice(-WINDOW);
  const last = recent[recent.length - 1];
  const roundsCompleted = Math.max(record.roundsCompleted, last ? last.round + 1 : 0);
  const final = isFinal(record.state);
  const summary: JobSummary = {
    id: job.id,
    name: job.name,
    state: record.state,
    algorithm: job.algorithm,
    taskFamily: job.taskFamily,
    roundsCompleted,
    totalRounds: job.totalRounds,
    elapsedMs: (final ? record.updatedAt : now) - record.createdAt,
    createdAtMs: record.createdAt,
    error: job.error,
  };
  const lastMetaLoss = last?.metaLoss ?? record.lastMetaLoss;
  if (lastMetaLoss !== undefined) summary.lastMetaLoss = lastMetaLoss;
  if (last) summary.tasksPerSecond = recent.reduce((sum, r) => sum + r.tasksPerSecond, 0) / recent.length;
  const first = recent[0];
  if (!final && first && last && last.time > first.time) {
    const msPerRound = (last.time - first.time) / (recent.length - 1);
    summary.etaMs = Math.max(0, (job.totalRounds - roundsCompleted) * msPerRound);
  }
  return summary;
}
