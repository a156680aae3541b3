import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateSpec } from '@metatrain/core';
import { PROTONET_SPEC, SINE_SPEC, writeTrainedExport } from '@metatrain/serve/testing';

/**
 * `pnpm bench serve` (writes docs/bench-serve.md; about 3 minutes): requests per second and
 * p50/p99 latency of `metatrain serve` at concurrency 1, 8 and 64, batched against unbatched
 * (SERVE_BATCHING=off) in one run. The server is the serve process of the image
 * (packages/serve/src/main.ts) in a child process with 2 compute threads; the clients are
 * this process, each sending a distinct task per request. Every batched answer is compared
 * with the unbatched answer to the same request.
 */

const MAIN = fileURLToPath(new URL('../packages/serve/src/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = [1, 8, 64];

interface Setting {
  label: string;
  model: string;
  bodies: string[];
}

function sineBodies(steps: number): string[] {
  return Array.from({ length: 256 }, (_, i) => {
    const amplitude = 0.1 + ((i * 37) % 49) / 10;
    const phase = ((i * 53) % 31) / 10;
    const xs = (n: number, o: number) => Array.from({ length: n }, (_, k) => -5 + ((k * 3.7 + o + i * 0.91) % 10));
    const support = xs(5, 0);
    return JSON.stringify({ support: { inputs: support, targets: support.map((x) => amplitude * Math.sin(x - phase)) }, query: { inputs: xs(10, 1.3) }, steps });
  });
}

function omniglotBodies(): string[] {
  const image = (seed: number) => Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => [((r * 7 + c * 13 + seed * 29) % 17) / 17]));
  return Array.from({ length: 64 }, (_, i) => {
    const classes = [0, 1, 2, 3, 4].map((c) => i * 5 + c);
    return JSON.stringify({ support: { inputs: classes.map(image), targets: classes.map((c) => `c${c}`) }, query: { inputs: classes.map((c) => image(c + 1000)) } });
  });
}

async function startServer(sources: string[], batching: boolean): Promise<{ base: string; child: ChildProcess }> {
  const env = { ...process.env, SERVE_HOST: '127.0.0.1', SERVE_PORT: '0', SERVE_THREADS: '2', SERVE_BATCHING: batching ? 'on' : 'off', SERVE_QUEUE_LIMIT: '4096' };
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...sources], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const base = await new Promise<string>((resolve, reject) => {
    let log = '';
    child.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(log);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}):\n${log}`)));
  });
  return { base, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  answers: Map<number, string>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

async function load(base: string, setting: Setting, concurrency: number, seconds: number): Promise<Run> {
  const url = `${base}/v1/models/${setting.model}:predict`;
  const latencies: number[] = [];
  const answers = new Map<number, string>();
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const index = next++ % setting.bodies.length;
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: setting.bodies[index] });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${setting.label}: ${response.status} ${text}`);
      latencies.push(performance.now() - started);
      answers.set(index, text);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), requests: latencies.length, answers };
}

const dir = await mkdtemp(join(tmpdir(), 'metatrain-bench-serve-'));
try {
  process.stderr.write('bench serve: training the exports…\n');
  const sine = await writeTrainedExport(dir, validateSpec({ ...SINE_SPEC, outer: { ...SINE_SPEC.outer, iterations: 200 } }));
  const omni = await writeTrainedExport(dir, validateSpec({ ...PROTONET_SPEC, model: { kind: 'conv4', channels: 32 } }), 1);
  const sources = [`sine=${sine}`, `omni=${omni}`];
  const settings: Setting[] = [
    { label: 'sinusoid MAML, MLP 1-40-40-1, 5 support, 1 step', model: 'sine', bodies: sineBodies(1) },
    { label: 'sinusoid MAML, MLP 1-40-40-1, 5 support, 5 steps', model: 'sine', bodies: sineBodies(5) },
    { label: 'Omniglot ProtoNets, Conv4-32, 5-way 1-shot, 5 queries', model: 'omni', bodies: omniglotBodies() },
  ];
  const results = new Map<string, Run>();
  for (const batching of [false, true]) {
    const { base, child } = await startServer(sources, batching);
    try {
      for (const setting of settings) {
        await load(base, setting, 8, 0.5); // warm-up: the threads' kernels, the connection pool
        for (const c of CONCURRENCY) {
          const run = await load(base, setting, c, SECONDS);
          results.set(`${setting.label}|${c}|${batching}`, run);
          process.stderr.write(`${setting.label}, concurrency ${c}, ${batching ? 'batched' : 'unbatched'}: ${run.rps.toFixed(1)} req/s, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms\n`);
        }
      }
    } finally {
      await stop(child);
    }
  }
  let compared = 0;
  let mismatches = 0;
  const lines = ['| model | concurrency | unbatched req/s | p50 / p99 (ms) | batched req/s | p50 / p99 (ms) | speed-up |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const setting of settings) {
    const alone = new Map<number, string>();
    for (const c of CONCURRENCY) for (const [i, a] of results.get(`${setting.label}|${c}|false`)?.answers ?? []) alone.set(i, a);
    for (const c of CONCURRENCY) {
      const u = results.get(`${setting.label}|${c}|false`) as Run;
      const b = results.get(`${setting.label}|${c}|true`) as Run;
      for (const [i, answer] of b.answers) {
        const reference = alone.get(i);
        if (reference === undefined) continue;
        compared++;
        if (reference !== answer) mismatches++;
      }
      lines.push(`| ${setting.label} | ${c} | ${u.rps.toFixed(1)} | ${u.p50.toFixed(1)} / ${u.p99.toFixed(1)} | ${b.rps.toFixed(1)} | ${b.p50.toFixed(1)} / ${b.p99.toFixed(1)} | **${(b.rps / u.rps).toFixed(1)}×** |`);
    }
  }
  const table = `${lines.join('\n')}\n\n${compared} batched answers compared with the unbatched answer to the same request: ${mismatches} differ.\n`;
  process.stdout.write(table);
  await writeFile(new URL('../docs/bench-serve.md', import.meta.url), table);
} finally {
  await rm(dir, { recursive: true, force: true });
}
