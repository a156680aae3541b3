import { appendFile, readFile, writeFile } from 'node:fs/promises';
import type { EvalMetrics, JobSpec, RoundMetrics } from '@metatrain/core';
import { evalDue } from '@metatrain/job-loop';

/**
 * One line of metrics.jsonl: a finished round, with the periodic evaluation of the version it
 * made when one was due (round r makes version r + 1).
 */
export type MetricsLine = RoundMetrics & { eval?: EvalMetrics };

/**
 * metrics.jsonl as a run goes: a line per round as it completes. A round whose version is due
 * for evaluation waits for it, so its line carries it. On resume the rounds the checkpoint
 * does not cover are dropped, and a last line still owed its evaluation waits for it again.
 */
export class MetricsLog {
  private held: MetricsLine | undefined;

  private constructor(
    readonly path: string,
    private readonly spec: JobSpec,
  ) {}

  /** Opens the log of a run that starts at parameter version `version`. */
  static async open(path: string, spec: JobSpec, version: number): Promise<MetricsLog> {
    const log = new MetricsLog(path, spec);
    const kept = (await MetricsLog.read(path)).filter((l) => l.round < version);
    const last = kept[kept.length - 1];
    if (last && last.round === version - 1 && last.eval === undefined && evalDue(spec, version)) log.held = kept.pop();
    await writeFile(path, kept.map(toText).join(''));
    return log;
  }

  static async read(path: string): Promise<MetricsLine[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as MetricsLine];
        } catch {
          return []; // a line cut short by a crash
        }
      });
  }

  async round(metrics: RoundMetrics): Promise<void> {
    await this.flush();
    if (evalDue(this.spec, metrics.round + 1)) this.held = metrics;
    else await appendFile(this.path, toText(metrics));
  }

  async evaluation(metrics: EvalMetrics): Promise<void> {
    if (this.held?.round === metrics.version - 1) this.held = { ...this.held, eval: metrics };
    await this.flush();
  }

  /** Writes a line still waiting for its evaluation (the run stopped before it). */
  async flush(): Promise<void> {
    if (this.held) await appendFile(this.path, toText(this.held));
    this.held = undefined;
  }
}

function toText(line: MetricsLine): string {
  return `${JSON.stringify(line)}\n`;
}
