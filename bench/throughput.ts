import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { type ComputeContext, computeShard, createComputeContext, describeBackend, selectBackend } from '@metatrain/metalearn';
import { createTaskFamily, initialMetaParams, parseSpecText, sampleTask } from '@metatrain/core';
import { plainMamlLoop } from './plain-maml-loop';

/**
 * Tasks per second per core of second-order MAML on sinusoid (1-40-40-1 ReLU, 5-shot,
 * 10 query points, 1 inner step): metatrain's batched shard compute versus the plain
 * per-task loop, same backend, same tasks, measured side by side in one process.
 */
const SPEC = `
name: throughput
algorithm: maml
model: { kind: mlp, hidden: [40, 40], activation: relu }
tasks: { family: sinusoid, shots: 5, queryShots: 10 }
inner: { steps: 1, lr: 0.01 }
outer: { optimizer: adam, lr: 0.001, metaBatchSize: 25, iterations: 1 }
seed: 1
`;

const SECONDS_PER_SIDE = Number(process.env.BENCH_SECONDS ?? 10);
const SLICES = 5;

/**
 * Tasks/s of two computations, measured in alternating slices so that any load on the
 * machine falls on both alike and the ratio stays fair.
 */
function measurePair(tasksPerCall: number, a: () => void, b: () => void): [number, number] {
  const totals = [
    { calls: 0, ms: 0 },
    { calls: 0, ms: 0 },
  ];
  [a, b].forEach((call) => {
    for (let i = 0; i < 3; i++) call();
  });
  for (let slice = 0; slice < SLICES; slice++) {
    [a, b].forEach((call, i) => {
      const total = totals[i] as { calls: number; ms: number };
      const started = performance.now();
      while (performance.now() - started < (SECONDS_PER_SIDE * 1000) / SLICES) {
        call();
        total.calls++;
      }
      total.ms += performance.now() - started;
    });
  }
  return totals.map((t) => (t.calls * tasksPerCall * 1000) / t.ms) as [number, number];
}

function batched(ctx: ComputeContext, shardSize: number): () => void {
  const params = initialMetaParams(ctx);
  let round = 0;
  return () => void computeShard(ctx, params, round++, [{ index: 0, start: 0, end: shardSize }]);
}

function plain(ctx: ComputeContext, shardSize: number): () => void {
  const weights = initialMetaParams(ctx).map((p) => tf.tensor(p.values, p.shape));
  let round = 0;
  return () => {
    const tasks = Array.from({ length: shardSize }, (_, i) => sampleTask(ctx, round, i));
    round++;
    const grads = plainMamlLoop(weights, tasks, ctx.spec.inner.lr);
    for (const g of grads) g.dataSync();
    tf.dispose(grads);
  };
}

async function main(): Promise<void> {
  const backend = await selectBackend({ log: (line) => process.stderr.write(`${line}\n`) });
  const spec = parseSpecText(SPEC);
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks, { baseDir: process.cwd() }));
  const rows: string[] = [];
  for (const shardSize of [5, 25]) {
    const [ours, loop] = measurePair(shardSize, batched(ctx, shardSize), plain(ctx, shardSize));
    process.stderr.write(`shard of ${shardSize}: batched ${ours.toFixed(0)} tasks/s, plain loop ${loop.toFixed(0)} tasks/s\n`);
    rows.push(`| ${shardSize} | ${ours.toFixed(0)} | ${loop.toFixed(0)} | **${(ours / loop).toFixed(1)}×** |`);
  }
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const table = [
    `Second-order MAML, sinusoid 5-shot, 1-40-40-1 ReLU, 1 inner step; backend \`${describeBackend(backend)}\`; ${cpu}; one thread (tasks/s per core).`,
    '',
    '| shard size | batched shard compute (tasks/s) | plain per-task loop (tasks/s) | ratio |',
    '|---:|---:|---:|---:|',
    ...rows,
    '',
    `Reproduce: \`pnpm bench throughput\` (${SECONDS_PER_SIDE} s per side in ${SLICES} alternating slices, after 3 warm-up calls each).`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  await writeFile(new URL('../docs/bench-throughput.md', import.meta.url), `${table}\n`);
}

await main();
