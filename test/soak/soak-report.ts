import type { FaultKind } from './fault-schedule';

/** One fault as it happened. */
export interface FaultRecord {
  /** Seconds after the soak started. */
  atS: number;
  kind: FaultKind;
  /** What was hit: which worker, the coordinator, ... */
  target: string;
  downMs: number;
  /**
   * Until every job that ran is past the round it had reached (or finished): from the kill for
   * a worker, from the service being back for the rest; undefined: not within the limit.
   */
  recoveredMs: number | undefined;
}

/** One job of the soak and how it ended. */
export interface JobRecord {
  jobId: string;
  algorithm: string;
  rounds: number;
  wallS: number;
  /** 'identical' (export and final checkpoint equal `train`'s), 'differs', or 'failed: …'. */
  result: string;
}

export interface SoakSummary {
  minutes: number;
  seed: number;
  cores: number;
  wallS: number;
  faults: FaultRecord[];
  jobs: JobRecord[];
}

const seconds = (ms: number | undefined) => (ms === undefined ? 'not recovered' : `${(ms / 1000).toFixed(1)} s`);

/** The soak's report, in Markdown: each fault with its time to recover, each job with its result. */
export function formatSoakReport(soak: SoakSummary): string {
  const identical = soak.jobs.filter((j) => j.result === 'identical').length;
  const kinds = [...new Set(soak.faults.map((f) => f.kind))];
  const byKind = kinds.map((kind) => {
    const times = soak.faults.filter((f) => f.kind === kind).map((f) => f.recoveredMs);
    const known = times.filter((t): t is number => t !== undefined).sort((a, b) => a - b);
    return `| ${kind} | ${times.length} | ${seconds(known[Math.floor((known.length - 1) / 2)])} | ${seconds(known.at(-1))} | ${times.length - known.length} |`;
  });
  return [
    `# Chaos soak: \`pnpm soak --minutes ${soak.minutes} --seed ${soak.seed}\``,
    '',
    `${soak.cores} cores, ${(soak.wallS / 60).toFixed(1)} min in all (faults for ${soak.minutes} min, then the running jobs finished). ` +
      `${soak.faults.length} faults; ${soak.jobs.length} jobs finished, ${identical} with the export and final checkpoint of their \`train\` run, bit for bit.`,
    '',
    'Recovered: every job that was running is past the round it had reached (or finished), counted from the kill for a worker (the others go on) and from the service being back for the rest.',
    '',
    '| fault | count | median recovery | slowest | not recovered |',
    '|---|---|---|---|---|',
    ...byKind,
    '',
    '| # | at | fault | target | down | recovered in |',
    '|---|---|---|---|---|---|',
    ...soak.faults.map((f, i) => `| ${i + 1} | ${f.atS.toFixed(1)} s | ${f.kind} | ${f.target} | ${f.downMs} ms | ${seconds(f.recoveredMs)} |`),
    '',
    '| job | algorithm | rounds | wall | result |',
    '|---|---|---|---|---|',
    ...soak.jobs.map((j) => `| ${j.jobId} | ${j.algorithm} | ${j.rounds} | ${j.wallS.toFixed(1)} s | ${j.result} |`),
    '',
  ].join('\n');
}
