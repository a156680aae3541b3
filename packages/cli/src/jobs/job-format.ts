import { type Job, JobState } from '@metatrain/contract';
import { renderTable } from './table';

const FINAL = new Set([JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED]);

/** QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED (docs/ARCHITECTURE.md §8); UNKNOWN for anything else. */
export function stateName(state: JobState): string {
  return state > JobState.UNSPECIFIED && state <= JobState.CANCELLED ? JobState[state] : 'UNKNOWN';
}

export function isFinalState(state: JobState): boolean {
  return FINAL.has(state);
}

/** Exit code of a job that ended (watch, submit --wait): 0 when it SUCCEEDED, 1 otherwise. */
export function exitCodeOf(state: JobState): number {
  return state === JobState.SUCCEEDED ? 0 : 1;
}

/** Time since `ms`, kubectl style: 45s, 12m, 3h, 2d. */
export function age(ms: number, now: number): string {
  if (!ms) return '-';
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 2 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 2 * 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** A loss with four significant digits; '-' before the first round. */
export function lossText(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return value === undefined ? '-' : String(value);
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3) : value.toPrecision(4);
}

const roundText = (job: Job) => `${job.roundsCompleted}/${job.totalRounds}`;
const time = (ms: number) => (ms ? new Date(ms).toISOString() : '-');

/** `metatrain list`: one row per job, newest first as the coordinator sends them. */
export function formatJobTable(jobs: Job[], now: number): string {
  const rows = jobs.map((j) => [j.id, j.name, j.algorithm || '-', j.taskFamily || '-', stateName(j.state), roundText(j), lossText(j.lastMetaLoss), age(j.createdAtMs, now)]);
  return renderTable(['id', 'name', 'algorithm', 'family', 'state', 'round', 'meta-loss', 'age'], rows);
}

/** `metatrain status`: the job, one field a line. */
export function formatJobStatus(job: Job, now: number): string {
  const lines: Array<[string, string]> = [
    ['job', job.id],
    ['name', job.name],
    ['algorithm', job.algorithm || '-'],
    ['tasks', job.taskFamily || '-'],
    ['state', stateName(job.state)],
    // The job's lane: its pool's workers on its one backend (none chosen yet: no worker of the pool).
    ['workers', `pool ${job.pool || '-'}, backend ${job.backend || '(not chosen yet)'}`],
    ['round', roundText(job)],
    ['meta-loss', lossText(job.lastMetaLoss)],
    ['created', `${time(job.createdAtMs)} (${age(job.createdAtMs, now)} ago)`],
    ['updated', `${time(job.updatedAtMs)} (${age(job.updatedAtMs, now)} ago)`],
  ];
  if (job.error) lines.push(['error', job.error]);
  return `${lines.map(([k, v]) => `${`${k}:`.padEnd(11)}${v}`).join('\n')}\n`;
}

/** A job for --json: state by name, times as ISO 8601, absent values as null. */
export function jobToJson(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    name: job.name,
    algorithm: job.algorithm,
    taskFamily: job.taskFamily,
    state: stateName(job.state),
    roundsCompleted: job.roundsCompleted,
    totalRounds: job.totalRounds,
    pool: job.pool || null,
    backend: job.backend || null,
    lastMetaLoss: job.lastMetaLoss ?? null,
    createdAt: job.createdAtMs ? new Date(job.createdAtMs).toISOString() : null,
    updatedAt: job.updatedAtMs ? new Date(job.updatedAtMs).toISOString() : null,
    error: job.error || null,
    spec: job.spec,
  };
}

/** Parses `--state RUNNING,queued`; unknown names are refused by the caller's UsageError. */
export function parseStates(value: string): { states: JobState[]; unknown: string[] } {
  const states: JobState[] = [];
  const unknown: string[] = [];
  for (const part of value.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '')) {
    const state = JobState[part as keyof typeof JobState];
    if (typeof state === 'number' && state > JobState.UNSPECIFIED) states.push(state);
    else unknown.push(part);
  }
  return { states, unknown };
}
