import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel, readExport, selectBackend } from '@metatrain/metalearn';
import { createModelLayout, createTaskFamily, validateSpec } from '@metatrain/core';
import { decodeNamedArrays } from '@metatrain/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './support/run-cli';
import { serveDirectory } from './support/serve-directory';

let dir: string;
const SPEC = `name: resume-me
algorithm: maml
model: { kind: mlp, hidden: [24, 24] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
outer: { lr: 0.002, metaBatchSize: 6, iterations: 400 }
shardSize: 3
checkpoint: { everyRounds: 20, keep: 2 }
seed: 9
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-train-'));
  await writeFile(join(dir, 'spec.yaml'), SPEC);
  await selectBackend();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const exportFiles = async (out: string) => {
  const exportDir = join(out, 'export');
  const read = (name: string) => readFile(join(exportDir, name)).then((b) => new Uint8Array(b));
  return { exportDir, modelJson: await read('model.json'), weightsBin: await read('weights.bin'), metaJson: await read('meta.json') };
};

async function finalCheckpointParams(out: string) {
  const ckpt = join(out, 'checkpoints');
  const rounds = (await readdir(ckpt)).sort();
  return decodeNamedArrays(new Uint8Array(await readFile(join(ckpt, rounds[rounds.length - 1] as string, 'params.bin'))));
}

async function waitForCheckpoints(out: string, count: number): Promise<void> {
  for (;;) {
    const rounds = await readdir(join(out, 'checkpoints')).catch(() => []);
    if (rounds.length >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('metatrain train', () => {
  it('killed with SIGKILL and resumed ends with exactly the parameters of an uninterrupted run', async () => {
    const straight = await runCli(['train', join(dir, 'spec.yaml'), '--out', join(dir, 'straight')]);
    expect(straight.code, straight.stderr).toBe(0);
    expect(straight.stdout).toContain('held-out tasks');

    const out = join(dir, 'crashed');
    const run = startCli(['train', join(dir, 'spec.yaml'), '--out', out]);
    await waitForCheckpoints(out, 2);
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    const resumed = await runCli(['train', join(dir, 'spec.yaml'), '--out', out, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming job 'resume-me' from checkpoint round \d+/);

    const a = await exportFiles(join(dir, 'straight'));
    const b = await exportFiles(out);
    expect(Buffer.compare(a.weightsBin, b.weightsBin)).toBe(0);
    expect(await finalCheckpointParams(out)).toEqual(await finalCheckpointParams(join(dir, 'straight')));
    // metrics.jsonl has each round once, whatever was recomputed after the crash
    const rounds = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { round: number }).round);
    expect(rounds).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });

  it('stops on SIGINT after the current round with a checkpoint, exit code 130', async () => {
    const out = join(dir, 'interrupted');
    const run = startCli(['train', join(dir, 'spec.yaml'), '--out', out]);
    await waitForCheckpoints(out, 1);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Continue with --resume');
    const latest = Number(await readFile(join(out, 'LATEST'), 'utf8'));
    const lines = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(latest);
  });

  it('writes an export that tf.loadLayersModel loads and that predicts like the trained model', async () => {
    const { exportDir, ...files } = await exportFiles(join(dir, 'straight'));
    const server = await serveDirectory(exportDir);
    try {
      const model = await tf.loadLayersModel(`${server.url}/model.json`);
      const x = tf.linspace(-5, 5, 11).reshape([11, 1]);
      const layersOut = (model.predict(x) as tf.Tensor).dataSync();
      const loaded = readExport(files);
      const spec = validateSpec({ name: 'x', algorithm: 'maml', model: loaded.meta.model, tasks: loaded.meta.task.spec, outer: { lr: 1, metaBatchSize: 1, iterations: 1 } });
      const functional = createModel(createModelLayout(spec.model, createTaskFamily(spec.tasks)));
      const params: Record<string, tf.Tensor> = {};
      for (const p of loaded.params) params[p.name] = tf.tensor(p.values, p.shape);
      const ours = functional.forward(params, x.reshape([1, 11, 1])).dataSync();
      layersOut.forEach((v, i) => expect(v).toBeCloseTo(ours[i] as number, 5));
      expect(loaded.meta).toMatchObject({ algorithm: 'maml', loss: 'mean-squared-error', adaptation: { steps: 1, lr: 0.01 }, input: { shape: [1] } });
      model.dispose();
    } finally {
      await server.close();
    }
  });

  it('writes metrics.jsonl and a learning-curve SVG', async () => {
    const svg = await readFile(join(dir, 'straight', 'learning-curves.svg'), 'utf8');
    expect(svg.startsWith('<svg') || svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('after adaptation');
    expect(svg).not.toContain('NaN');
  });

  it('eval adapts the export on held-out tasks and prints mean ± 95 % CI', async () => {
    const result = await runCli(['eval', join(dir, 'straight'), '--tasks', '40', '--shots', '10', '--steps', '2']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/40 held-out tasks, 10-shot, 2 adaptation step/);
    expect(result.stdout).toMatch(/loss\s+[\d.]+ ± [\d.]+\s+[\d.]+ ± [\d.]+/);
  });
});
