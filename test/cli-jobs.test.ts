import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/free-port';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';
import { runCli, startCli, type CliResult } from './support/run-cli';

// The job commands as a user runs them: `metatrain` processes against a coordinator process
// (`pnpm start:coordinator`) and two worker processes (`pnpm start:worker`), real Redis,
// directory storage. submit → watch → status/list → export → adapt → cancel, and the
// failures a user meets: no coordinator, an unknown job, a bad spec, a bad examples file.

const COORDINATOR_MAIN = fileURLToPath(import.meta.resolve('@metatrain/coordinator/main'));
const WORKER_MAIN = fileURLToPath(import.meta.resolve('@metatrain/worker/main'));

const ROUNDS = 20;
const spec = (name: string, iterations = ROUNDS) => `name: ${name}
algorithm: maml
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 10 }
inner: { steps: 1, lr: 0.02 }
outer: { lr: 0.01, metaBatchSize: 6, iterations: ${iterations} }
shardSize: 2
checkpoint: { everyRounds: 10, keep: 2 }
seed: 4
`;

/** A server process that prints one ready line on stderr; stopped with SIGTERM. */
interface Service {
  child: ChildProcess;
  ready: RegExpExecArray;
  output: string[];
  stop(): Promise<void>;
}

function startService(main: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<Service> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let pending = '';
    const onData = (data: Buffer) => {
      const lines = (pending + data.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        const match = ready.exec(line);
        if (match) resolve({ child, ready: match, output, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`${main} exited (${signal ?? code}) before it was ready:\n${output.join('\n')}`)));
  });
}


let dir: string;
let redis: RedisTestServer;
let coordinator: Service;
const workers: Service[] = [];
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-cli-jobs-'));
  redis = await startRedisServer();
  const prefix = uniquePrefix('cli-jobs');
  const shared = { REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: prefix, METATRAIN_DATA_DIR: dir };
  coordinator = await startService(
    COORDINATOR_MAIN,
    { ...shared, STORAGE_URL: pathToFileURL(join(dir, 'storage')).href, GRPC_PORT: '0', HTTP_PORT: '0', BIND_HOST: '127.0.0.1' },
    /^coordinator ready: grpc (\S+) http (\S+)/,
  );
  const address = coordinator.ready[1] as string;
  for (const id of ['cli-worker-1', 'cli-worker-2']) workers.push(await startService(WORKER_MAIN, { ...shared, COORDINATOR_ADDR: address, WORKER_ID: id }, /^worker ready: /));
  env = { COORDINATOR_ADDR: address };
  await writeFile(join(dir, 'quick.yaml'), spec('quick'));
  await writeFile(join(dir, 'long.yaml'), spec('long', 100_000));
  await writeFile(join(dir, 'bad.yaml'), spec('bad').replace('shots: 5', 'shots: 0'));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await coordinator?.stop();
  await redis?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { ...env, ...extra });

/** No stack trace, ever: failures are one `error:` line (and a usage hint for usage errors). */
function expectCleanFailure(result: CliResult, code: number, message: string | RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  if (typeof message === 'string') expect(result.stderr).toContain(`error: ${message}`);
  else expect(result.stderr).toMatch(message);
}

describe('metatrain job commands against a coordinator and two workers', () => {
  let jobId: string;
  const exportDir = () => join(dir, 'export');

  it('submit --wait prints the job id alone on stdout, shows progress and exits 0 when the job succeeds', async () => {
    const result = await cli(['submit', join(dir, 'quick.yaml'), '--wait']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^quick-[a-z0-9]+\n$/);
    jobId = result.stdout.trim();
    expect(result.stderr).toContain(`submitted job ${jobId}`);
    expect(result.stderr).toMatch(new RegExp(`quick ${ROUNDS}/${ROUNDS} 100% meta-loss \\d+\\.\\d{4} · \\d+ tasks/s · workers [12]`));
    expect(result.stderr).toContain(`job ${jobId} SUCCEEDED: round ${ROUNDS}/${ROUNDS}, meta-loss `);
  });

  it('status and list show the finished job, as text and as JSON', async () => {
    const status = await cli(['status', jobId]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`job:       ${jobId}\n`);
    expect(status.stdout).toContain('state:     SUCCEEDED\n');
    expect(status.stdout).toContain(`round:     ${ROUNDS}/${ROUNDS}\n`);
    expect(status.stdout).toMatch(/meta-loss: \d+\.\d+/);
    const json = JSON.parse((await cli(['status', jobId, '--json'])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ id: jobId, name: 'quick', algorithm: 'maml', taskFamily: 'sinusoid', state: 'SUCCEEDED', roundsCompleted: ROUNDS, totalRounds: ROUNDS, error: null });
    expect(typeof json.lastMetaLoss).toBe('number');

    const list = await cli(['list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+ALGORITHM\s+FAMILY\s+STATE\s+ROUND\s+META-LOSS\s+AGE$/);
    expect(list.stdout).toMatch(new RegExp(`^${jobId}\\s+quick\\s+maml\\s+sinusoid\\s+SUCCEEDED\\s+${ROUNDS}/${ROUNDS}\\s+\\d`, 'm'));
    const listed = JSON.parse((await cli(['list', '--json', '--state', 'succeeded'])).stdout) as Array<{ id: string; state: string }>;
    expect(listed.map((j) => j.id)).toContain(jobId);
    expect(listed.every((j) => j.state === 'SUCCEEDED')).toBe(true);
  });

  it('workers lists both workers with their pool, their backend and the shards they did', async () => {
    const table = await cli(['workers']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+POOL\s+BACKEND\s+DEVICE\s+CORES\s+THREADS\s+STATE\s+SHARDS\s+SHARDS DONE\s+HEARTBEAT$/m);
    const json = JSON.parse((await cli(['workers', '--json'])).stdout) as Array<{ id: string; state: string; pool: string; backend: string; shardsDone: number }>;
    const ours = json.filter((w) => w.id.startsWith('cli-worker-'));
    expect(ours.map((w) => w.id).sort()).toEqual(['cli-worker-1', 'cli-worker-2']);
    expect(ours.every((w) => w.state === 'ACTIVE' && w.pool === 'default' && w.backend !== '')).toBe(true);
    // 20 rounds × 3 shards, shared between the two.
    expect(ours.reduce((n, w) => n + w.shardsDone, 0)).toBeGreaterThanOrEqual(ROUNDS * 3);
    for (const w of ours) expect(table.stdout).toContain(w.id);
  });

  it('watch on a finished job replays it and exits 0 with its final state on stdout', async () => {
    const result = await cli(['watch', jobId]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^job ${jobId} SUCCEEDED: round ${ROUNDS}/${ROUNDS}, meta-loss \\d+\\.\\d+\\n$`));
  });

  it('export writes the three files with verified checksums and prints the directory', async () => {
    const result = await cli(['export', jobId, '--out', exportDir()]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${exportDir()}\n`);
    expect(result.stderr).toContain('checksums verified');
    expect((await readdir(exportDir())).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);
    const meta = JSON.parse(await readFile(join(exportDir(), 'meta.json'), 'utf8')) as { job: string; roundsTrained: number };
    expect(meta).toMatchObject({ job: 'quick', roundsTrained: ROUNDS });
  });

  it('adapt runs locally on the export and through the coordinator on the job, with the same result', async () => {
    const xs = [-4, -2.5, -1, 0.5, 2, 3.5];
    const f = (x: number) => 2 * Math.sin(x - 0.5);
    await writeFile(join(dir, 'support.json'), JSON.stringify({ inputs: xs.slice(0, 5).map((x) => [x]), targets: xs.slice(0, 5).map(f) }));
    const queryXs = [-3, -1.5, 0, 1.5, 3];
    await writeFile(join(dir, 'query.csv'), `x,y\n${queryXs.map((x) => `${x},${f(x)}`).join('\n')}\n`);
    const args = (target: string, out: string) => ['adapt', target, '--support', join(dir, 'support.json'), '--query', join(dir, 'query.csv'), '--steps', '3', '--out', join(dir, out)];

    const local = await cli(args(exportDir(), 'local.json'));
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toContain(`adapted ${exportDir()} (maml, sinusoid) to 5 support examples: 3 SGD steps, lr 0.02`);
    expect(local.stdout).toMatch(/^3 {6}\d+\.\d{4}$/m);
    expect(local.stdout).toMatch(/^ {2}loss {18}\d+\.\d{4}\s+→ {3}\d+\.\d{4}$/m);
    const remote = await cli(args(jobId, 'remote.json'));
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stdout).toContain(`adapted job ${jobId} (maml, sinusoid) to 5 support examples: 3 SGD steps, lr 0.02`);

    const read = async (name: string) => JSON.parse(await readFile(join(dir, name), 'utf8')) as { predictions: number[]; supportLosses: number[]; query: Record<string, number> };
    const [a, b] = [await read('local.json'), await read('remote.json')];
    expect(a.predictions).toHaveLength(5);
    expect(a.supportLosses).toHaveLength(4);
    expect(a.supportLosses[3]).toBeLessThan(a.supportLosses[0] as number);
    // Same export, same code, same backend: the coordinator's answer is the local one.
    expect(b.predictions).toEqual(a.predictions);
    expect(b.supportLosses).toEqual(a.supportLosses);
    expect(b.query).toEqual(a.query);
  });

  it('adapt refuses a bad examples file naming the file, row and column (exit 2), locally and through the coordinator', async () => {
    await writeFile(join(dir, 'bad.csv'), 'x,y\n1,2\n2,oops\n');
    for (const target of [exportDir(), jobId]) {
      const result = await cli(['adapt', target, '--support', join(dir, 'bad.csv'), '--query', join(dir, 'query.csv')]);
      expectCleanFailure(result, 2, `${join(dir, 'bad.csv')}: row 2 (line 3), column y: "oops" is not a number (the model does regression)`);
    }
    await writeFile(join(dir, 'wide.json'), JSON.stringify({ inputs: [[1, 2]], targets: [1] }));
    const wide = await cli(['adapt', jobId, '--support', join(dir, 'wide.json'), '--query', join(dir, 'query.csv')]);
    expectCleanFailure(wide, 2, `${join(dir, 'wide.json')}: inputs[0]: 2 values, but the model takes 1 per example (input shape [1])`);
  });

  it('cancel stops a running job: a watch ends with exit 1, status says CANCELLED, a second cancel is fine', async () => {
    const submitted = await cli(['submit', join(dir, 'long.yaml')]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const longId = submitted.stdout.trim();
    const watch = startCli(['watch', longId], env);
    // Let the watch see some rounds before the job is cancelled.
    await expect.poll(async () => (JSON.parse((await cli(['status', longId, '--json'])).stdout) as { roundsCompleted: number }).roundsCompleted, { timeout: 60_000, interval: 300 }).toBeGreaterThan(2);
    const cancelled = await cli(['cancel', longId, '--reason', 'test is done']);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toBe(`job ${longId} CANCELLED\n`);
    const watched = await watch.done;
    expect(watched.code, watched.stderr).toBe(1);
    expect(watched.stdout).toMatch(new RegExp(`^job ${longId} CANCELLED: round \\d+/100000, meta-loss \\d+\\.\\d+: .*test is done`));
    expect(watched.stderr).toMatch(/long \d+\/100000 0% meta-loss/);
    expect((await cli(['status', longId])).stdout).toContain('state:     CANCELLED\n');
    expect((await cli(['cancel', longId])).code).toBe(0);
    expectCleanFailure(await cli(['cancel', jobId]), 1, new RegExp(`error: .*${jobId}.*SUCCEEDED`));
    expectCleanFailure(await cli(['export', longId, '--out', join(dir, 'no-export')]), 1, new RegExp(`error: job ${longId} has no export yet`));
  });

  it('names an unknown job (exit 1), for every command that takes one', async () => {
    for (const command of [['status'], ['watch'], ['cancel'], ['export'], ['adapt', '--support', join(dir, 'support.json'), '--query', join(dir, 'query.csv')]]) {
      const [name, ...flags] = command as [string, ...string[]];
      expectCleanFailure(await cli([name, 'no-such-job', ...flags]), 1, 'no job "no-such-job"');
    }
  });

  it('refuses a bad spec before submitting it (exit 2), naming the field', async () => {
    const before = (JSON.parse((await cli(['list', '--json'])).stdout) as unknown[]).length;
    expectCleanFailure(await cli(['submit', join(dir, 'bad.yaml')]), 2, /error: invalid spec:\n {2}tasks\.shots: /);
    expectCleanFailure(await cli(['submit', join(dir, 'missing.yaml')]), 2, `cannot read spec ${join(dir, 'missing.yaml')}: no such file`);
    expect((JSON.parse((await cli(['list', '--json'])).stdout) as unknown[]).length).toBe(before);
  });

  it('says it cannot reach a coordinator that is not there (exit 1)', async () => {
    const port = await freePort();
    for (const args of [['status', 'x', '--coordinator', `127.0.0.1:${port}`], ['list'], ['submit', join(dir, 'quick.yaml')]]) {
      const result = await cli(args, { COORDINATOR_ADDR: `127.0.0.1:${port}` });
      expectCleanFailure(result, 1, new RegExp(`error: cannot reach the coordinator at 127\\.0\\.0\\.1:${port} \\(.*\\); is it running\\?`));
      expect(result.stdout).toBe('');
    }
    expectCleanFailure(await cli(['list', '--coordinator', 'nonsense']), 2, "--coordinator must be host:port (e.g. 127.0.0.1:50051), got 'nonsense'");
  });
});
