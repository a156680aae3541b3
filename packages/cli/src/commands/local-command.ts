import { readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { storageKeys } from '@metatrain/core';
import { type JobEvent, JobState } from '@metatrain/contract';
import { selectBackend } from '@metatrain/metalearn';
import { CliFailure, EXIT_USAGE, UsageError } from '../cli-errors';
import { JobClient, tokenFromEnv } from '../client/job-client';
import { receiveExport, writeExportDir } from '../jobs/export-files';
import { followJob } from '../jobs/follow-job';
import { stateName } from '../jobs/job-format';
import { fetchSpecData } from '../data/cli-datasets';
import { startLocalCluster } from '../local/local-cluster';
import { parseFlags, positiveInt } from '../parse-flags';
import { loadSpec } from '../run/load-spec';
import type { MetricsLine } from '../run/metrics-log';
import { finishedRunReport } from '../run/run-report';
import { createProgress } from '../ui/progress-bar';

const USAGE = 'usage: metatrain local <spec.yaml> [--workers N] [--out <dir>]';

/**
 * Passes events through while keeping the metrics lines they carry, one per round (a round
 * seen twice keeps its first line). The evaluation of version v goes on the line of round
 * v - 1, whose end made v: where `train` puts it.
 */
async function* recordRounds(events: AsyncIterable<JobEvent>, lines: Map<number, MetricsLine>): AsyncGenerator<JobEvent> {
  for await (const event of events) {
    const kind = event.kind;
    if (kind?.$case === 'roundCompleted' && !lines.has(kind.value.round)) lines.set(kind.value.round, kind.value);
    if (kind?.$case === 'evalCompleted') {
      const line = lines.get(kind.value.version - 1);
      if (line) line.eval ??= kind.value;
    }
    yield event;
  }
}

/**
 * `metatrain local <spec> [--workers N] [--out dir]`: the whole distributed stack on this
 * machine — a coordinator and N worker processes, Redis from REDIS_URL or a private
 * redis-server, storage from STORAGE_URL or the out dir — running one job to the end. Writes
 * what `train` writes: metrics.jsonl, learning-curves.svg, jobs/<job>/{ckpt,export}.
 */
export async function localCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { workers: { type: 'string' }, out: { type: 'string' } });
  const [specPath, ...extra] = positionals;
  if (!specPath || extra.length > 0) throw new UsageError(USAGE);
  const workers = positiveInt('workers', values.workers, 2);
  const { spec, baseDir, text } = await loadSpec(specPath);
  const outDir = resolve(values.out ?? join('runs', spec.name));
  if ((await readdir(join(outDir, 'jobs')).catch(() => [])).length > 0) {
    throw new CliFailure(`${outDir} already holds a run; choose another --out`, EXIT_USAGE);
  }
  // Fetched here first, with a progress bar: the coordinator and the workers resolve the spec's
  // datasets themselves and find them where this process did (the shipped copy, or the user
  // cache they share with it; their METATRAIN_DATA_DIR is the spec's directory, not the user's).
  const files = await fetchSpecData(spec.tasks);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const cluster = await startLocalCluster({ workers, storageUrl: process.env.STORAGE_URL || pathToFileURL(outDir).href, dataDir: baseDir, log });
  const client = JobClient.create({ address: cluster.coordinator, token: tokenFromEnv() });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const { jobId } = await client.submitJob(text);
    log(`local: job ${jobId} on a coordinator at ${cluster.coordinator} and ${workers} worker process(es); dashboard at ${cluster.dashboard}`);
    const byRound = new Map<number, MetricsLine>();
    const progress = createProgress({ total: spec.outer.iterations, label: spec.name });
    const followed = await followJob(recordRounds(client.watchJob(jobId, controller.signal), byRound), progress);
    const lines = [...byRound.values()].sort((a, b) => a.round - b.round);
    if (controller.signal.aborted) {
      log(`stopped; the job's last checkpoint is in ${outDir}`);
      return 130;
    }
    if (followed.state !== JobState.SUCCEEDED) {
      throw new CliFailure(`job ${jobId} ${followed.state === undefined ? 'ended unseen' : stateName(followed.state)}${followed.error ? `: ${followed.error}` : ''}`);
    }
    await writeFile(join(outDir, 'metrics.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    // With directory storage in the out dir the export is already there; else download it.
    const exportDir = join(outDir, storageKeys.export(jobId));
    if (process.env.STORAGE_URL) await writeExportDir(exportDir, await receiveExport(client.exportModel(jobId)));
    await selectBackend({ log });
    process.stdout.write(await finishedRunReport(spec, { baseDir, files }, outDir, exportDir));
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    client.close();
    await cluster.close();
  }
}
