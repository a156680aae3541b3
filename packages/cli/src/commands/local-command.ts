import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RUN_FILES, storageKeys } from '@metatrain/core';
import { type JobEvent, JobState } from '@metatrain/contract';
import { selectBackend } from '@metatrain/metalearn';
import { CliFailure, UsageError } from '../cli-errors';
import { JobClient, tokenFromEnv } from '../client/job-client';
import { receiveExport, writeExportDir } from '../jobs/export-files';
import { followJob } from '../jobs/follow-job';
import { withUploadedData } from '../jobs/upload-data';
import { stateName } from '../jobs/job-format';
import { fetchSpecData } from '../data/cli-datasets';
import { startLocalCluster } from '../local/local-cluster';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags, positiveInt } from '../parse-flags';
import { loadSpec } from '../run/load-spec';
import type { MetricsLine } from '../run/metrics-log';
import { placeRun } from '../run/place-run';
import { runExportDir } from '../run/run-directory';
import { finishedRunReport } from '../run/run-report';
import { createProgress } from '../ui/progress-bar';

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
 * `metatrain local <spec> [--workers N] [--threads T] [--out dir] [--force]`: the whole
 * distributed stack on this machine — a coordinator and N worker processes of T compute
 * threads each (by default the machine's cores shared among the workers), Redis from REDIS_URL or a private
 * redis-server — running one job to the end. The run directory is chosen as `train` chooses
 * it and gets what `train` writes at its top: export/, metrics.jsonl, learning-curves.svg.
 * The coordinator keeps its own storage (its `jobs/<id>/`, with the checkpoints) apart, in
 * `<out>/.coordinator/` or at STORAGE_URL, and the export is downloaded from it.
 */
export async function localCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.local.flags);
  const [specPath, ...extra] = positionals;
  if (!specPath || extra.length > 0) throw new UsageError(usageLine('local'));
  const workers = positiveInt('workers', values.workers, 2);
  // Without --threads the workers share the cores rather than each take them all.
  const threads = positiveInt('threads', values.threads, Math.max(1, Math.floor(availableParallelism() / workers)));
  const { spec, baseDir, text } = await loadSpec(specPath);
  // Fetched here first, with a progress bar: the coordinator and the workers (which inherit
  // this environment) resolve the spec's datasets themselves and find them where this process
  // did. Its local files are uploaded with the job below.
  const files = await fetchSpecData(spec.tasks);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const place = await placeRun({ name: spec.name, out: values.out, force: values.force === true, log });
  const outDir = resolve(place.dir);
  const coordinatorDir = join(outDir, RUN_FILES.coordinatorStorage);
  // The coordinator's storage is its own (one layout: jobs/<id>/), not the run directory.
  const storageUrl = process.env.STORAGE_URL || pathToFileURL(coordinatorDir).href;
  await mkdir(process.env.STORAGE_URL ? outDir : coordinatorDir, { recursive: true });
  const cluster = await startLocalCluster({ workers, threads, storageUrl, resources: spec.resources, log });
  const client = JobClient.create({ address: cluster.coordinator, token: tokenFromEnv() });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const submitted = await withUploadedData(spec, baseDir, (bytes) => client.uploadData(bytes), log);
    const { jobId } = await client.submitJob(submitted === spec ? text : JSON.stringify(submitted));
    log(`local: job ${jobId} on a coordinator at ${cluster.coordinator} and ${workers} worker process(es) of ${threads} thread(s); dashboard at ${cluster.dashboard}`);
    const byRound = new Map<number, MetricsLine>();
    const progress = createProgress({ total: spec.outer.iterations, label: spec.name });
    const followed = await followJob(recordRounds(client.watchJob(jobId, controller.signal), byRound), progress);
    const lines = [...byRound.values()].sort((a, b) => a.round - b.round);
    if (controller.signal.aborted) {
      log(`stopped; the job's checkpoints are in ${storageUrl}, under ${storageKeys.coordinatorJob(jobId).checkpoints}`);
      return 130;
    }
    if (followed.state !== JobState.SUCCEEDED) {
      throw new CliFailure(`job ${jobId} ${followed.state === undefined ? 'ended unseen' : stateName(followed.state)}${followed.error ? `: ${followed.error}` : ''}`);
    }
    await writeFile(join(outDir, RUN_FILES.metrics), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    // Downloaded as `metatrain export` does, whichever storage the coordinator has: checksums verified.
    const exportDir = runExportDir(outDir);
    await writeExportDir(exportDir, await receiveExport(client.exportModel(jobId)));
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
