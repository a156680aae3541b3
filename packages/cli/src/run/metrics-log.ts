import { appendFile, readFile, writeFile } from 'node:fs/promises';
import type { EvalSummary, RoundSummary } from '@metatrain/core';

/** One line of metrics.jsonl: a finished round, optionally with a held-out evaluation. */
export interface MetricsLine extends RoundSummary {
  ms: number;
  tasksPerSecond: number;
  eval?: EvalSummary;
}

/** Appends rounds to metrics.jsonl; on resume drops the rounds the checkpoint does not cover. */
export class MetricsLog {
  private constructor(readonly path: string) {}

  static async open(path: string, resumeFromRound: number): Promise<MetricsLog> {
    const kept = (await MetricsLog.read(path)).filter((l) => l.round < resumeFromRound);
    await writeFile(path, kept.map((l) => `${JSON.stringify(l)}\n`).join(''));
    return new MetricsLog(path);
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

  async append(lines: MetricsLine[]): Promise<void> {
    if (lines.length > 0) await appendFile(this.path, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }
}
