// `pnpm soak [--minutes N] [--seed S] [--out FILE]`: the chaos soak of docs/RELIABILITY.md.
// Three jobs of different algorithms run one after another through the whole stack (a
// coordinator process, worker processes, a private redis-server with AOF, an S3 endpoint, all
// on loopback) while a seeded schedule kill -9s workers and the coordinator, restarts Redis
// and takes storage away and back. Every finished job's export and final checkpoint must be
// the bits of its `metatrain train` run: a shard counted twice, or lost, would change them.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { paramsEqual, storageKeys } from '@metatrain/core';
import { CheckpointStore, DirectoryStore } from '@metatrain/storage';
import { JobState } from '@metatrain/contract';
import { FaultCluster, killHard, type WorkerHandle } from '../faults/support/fault-cluster';
import { faultSpec } from '../faults/support/fault-spec';
import { runCli } from '../support/run-cli';
import { faultSchedule, type PlannedFault } from './fault-schedule';
import { formatSoakReport, type FaultRecord, type JobRecord } from './soak-report';

const ALGORITHMS = ['maml', 'reptile', 'metasgd'] as const;
/** Rounds of each job: long enough that several faults land in one, short enough that many jobs finish. */
const ITERATIONS = 400;
const WORKERS = 2;
/** A fault's effects must be gone within this long, or the soak fails. */
const RECOVERY_LIMIT_MS = 180_000;
/** After the last fault, how long the running jobs may take to finish. */
const DRAIN_LIMIT_MS = 600_000;

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, seed: { type: 'string', default: '1' }, out: { type: 'string' } } });
const minutes = Number(values.minutes);
const seed = Number(values.seed);
if (!(minutes > 0) || !Number.isInteger(seed) || seed < 0) {
  process.stderr.write('usage: pnpm soak [--minutes N (> 0)] [--seed S (a whole number ≥ 0)] [--out FILE]\n');
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), 'metatrain-soak-'));
const cluster = await FaultCluster.create();
/** Set once the cluster is up: the soak's clock starts there. */
let startedAt = Date.now();
let faultsEndAt = Number.POSITIVE_INFINITY;
const log = (line: string) => process.stderr.write(`soak ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(7)} s: ${line}\n`);
/** The jobs running now, by slot. */
const running = new Map<string, string>();
const workers: WorkerHandle[] = [];
let workersStarted = 0;

async function startWorker(): Promise<void> {
  workers.push(await cluster.startWorker(`w${++workersStarted}`));
}

/** Submits `spec`, again while the coordinator is away (a submit it never answered may leave a twin job; the soak ignores it). */
async function submit(spec: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await cluster.api.submit(spec);
    } catch (error) {
      if (attempt === 60) throw error;
      await sleep(1000);
    }
  }
}

/** The final bits of `spec` trained in one process (`metatrain train`, on the workers' backend). */
async function trainReference(name: string, spec: string): Promise<{ weights: Buffer; checkpoint: CheckpointStore }> {
  const specPath = join(dir, `${name}.yaml`);
  const out = join(dir, name);
  await writeFile(specPath, spec);
  const result = await runCli(['train', specPath, '--out', out], { METATRAIN_BACKEND: 'wasm' });
  if (result.code !== 0) throw new Error(`metatrain train ${name} failed: ${result.stderr.slice(-500)}`);
  return { weights: await readFile(join(out, 'export', 'weights.bin')), checkpoint: new CheckpointStore(new DirectoryStore(out), storageKeys.runDirectory(name)) };
}

/** Runs one job after another of `algorithm` until the faults end; each is checked against its `train` run. */
async function runSlot(algorithm: string): Promise<JobRecord[]> {
  const records: JobRecord[] = [];
  for (let n = 0; Date.now() < faultsEndAt; n++) {
    const name = `soak-${algorithm}-${n}`;
    const spec = faultSpec({ name, algorithm, iterations: ITERATIONS, checkpointEvery: 10, keep: 2, seed: seed * 1000 + n, shardSize: n % 2 === 0 ? 1 : 'auto' });
    const reference = trainReference(name, spec);
    const jobStarted = Date.now();
    const jobId = await submit(spec);
    running.set(algorithm, jobId);
    log(`submitted ${jobId} (${algorithm})`);
    const record: JobRecord = { jobId, algorithm, rounds: ITERATIONS, wallS: 0, result: 'identical' };
    try {
      await cluster.succeeded(jobId, DRAIN_LIMIT_MS + minutes * 60_000);
      record.wallS = (Date.now() - jobStarted) / 1000;
      const { weights, checkpoint } = await reference;
      const exported = await cluster.store.get(storageKeys.coordinatorJob(jobId).exportFile('weights.bin'));
      const [final, trained] = await Promise.all([cluster.latestCheckpoint(jobId), checkpoint.loadLatest()]);
      const same = exported !== undefined && Buffer.from(exported).equals(weights) && trained !== undefined && paramsEqual(final.params, trained.params) && paramsEqual(final.optimizer, trained.optimizer);
      if (!same) record.result = 'differs';
    } catch (error) {
      record.result = `failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    running.delete(algorithm);
    log(`${jobId}: ${record.result}`);
    records.push(record);
  }
  return records;
}

/** Where each running job is: its rounds completed, or undefined once it no longer runs (or cannot be asked). */
async function positions(): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const jobId of running.values()) {
    const job = await cluster.api.job(jobId).catch(() => undefined);
    if (job?.state === JobState.RUNNING) seen.set(jobId, job.roundsCompleted);
  }
  return seen;
}

/** Waits until every job that ran before the fault is past the round it had reached (or finished); resolves with how long that took. */
async function recovery(before: Map<string, number>, since: number): Promise<number | undefined> {
  while (Date.now() - since < RECOVERY_LIMIT_MS) {
    let behind = false;
    for (const [jobId, round] of before) {
      const job = await cluster.api.job(jobId).catch(() => undefined);
      if (job === undefined || (job.state !== JobState.SUCCEEDED && job.roundsCompleted <= round)) behind = true;
    }
    if (!behind) return Date.now() - since;
    await sleep(100);
  }
  return undefined;
}

/** Does `fault` and undoes it: the service is back when this resolves. */
async function inject(fault: PlannedFault): Promise<string> {
  switch (fault.kind) {
    case 'kill-worker': {
      const [victim] = workers.splice(fault.pick % workers.length, 1);
      if (!victim) throw new Error('no worker to kill');
      await killHard(victim.process);
      await sleep(fault.downMs);
      await startWorker();
      return `worker ${victim.id}`;
    }
    case 'kill-coordinator':
      await cluster.killCoordinator();
      await sleep(fault.downMs);
      await cluster.startCoordinator();
      return 'coordinator';
    case 'restart-redis':
      await cluster.redis.stop?.();
      await sleep(fault.downMs);
      await cluster.redis.restart?.();
      return 'redis-server (AOF)';
    case 'storage-outage':
      await cluster.s3.outage?.(fault.downMs);
      return 'S3 endpoint';
  }
}

async function runFaults(): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  for (const fault of faultSchedule(seed)) {
    await sleep(Math.min(fault.gapS * 1000, Math.max(0, faultsEndAt - Date.now())));
    if (Date.now() >= faultsEndAt) break;
    const before = await positions();
    const atS = (Date.now() - startedAt) / 1000;
    const hitAt = Date.now();
    const target = await inject(fault);
    // A killed worker leaves the others working: its recovery counts from the kill. The other
    // faults take away what every job needs: theirs counts from the service being back.
    const recoveredMs = await recovery(before, fault.kind === 'kill-worker' ? hitAt : Date.now());
    records.push({ atS, kind: fault.kind, target, downMs: fault.downMs, recoveredMs });
    log(`${fault.kind} of ${target} for ${fault.downMs} ms: ${recoveredMs === undefined ? 'NOT recovered' : `recovered in ${recoveredMs} ms`}`);
  }
  return records;
}

let exitCode = 1;
try {
  for (let i = 0; i < WORKERS; i++) await startWorker();
  startedAt = Date.now();
  faultsEndAt = startedAt + minutes * 60_000;
  log(`${minutes} min of faults, seed ${seed}; jobs of ${ALGORITHMS.join(', ')}, ${ITERATIONS} rounds each, ${WORKERS} workers`);
  const [faults, ...slots] = await Promise.all([runFaults(), ...ALGORITHMS.map(runSlot)]);
  const jobs = slots.flat();
  const report = formatSoakReport({ minutes, seed, cores: cpus().length, wallS: (Date.now() - startedAt) / 1000, faults, jobs });
  process.stdout.write(report);
  if (values.out) await writeFile(values.out, report);
  const healthy = jobs.length > 0 && jobs.every((j) => j.result === 'identical') && faults.every((f) => f.recoveredMs !== undefined);
  exitCode = healthy ? 0 : 1;
} catch (error) {
  process.stderr.write(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n${cluster.outputs()}\n`);
} finally {
  await cluster.close();
  await rm(dir, { recursive: true, force: true });
}
process.exit(exitCode);
