import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServeServer } from '@metatrain/serve';
import { PROTONET_SPEC, SINE_SPEC, writeTrainedExport } from '@metatrain/serve/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli';

let dir: string;
let sineRun: string;
let server: ServeServer;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-serve-'));
  sineRun = await writeTrainedExport(dir, SINE_SPEC);
  const omniRun = await writeTrainedExport(dir, PROTONET_SPEC);
  server = await ServeServer.create([sineRun, `omni=${join(omniRun, 'export')}`], { host: '127.0.0.1', port: 0, threads: 2, batchWindowMs: 5, maxExamples: 200, maxBodyBytes: 200_000 });
  base = `http://${server.address}`;
}, 120_000);
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

/** A sinusoid task of its own: amplitude and phase from `i`, in the user's units. */
function sineTask(i: number, shots = 5, queries = 4) {
  const amplitude = 0.5 + (i % 7) * 0.6;
  const phase = (i * 0.37) % Math.PI;
  const xs = (n: number, offset: number) => Array.from({ length: n }, (_, k) => -4.5 + ((k * 9.7 + offset + i * 1.3) % 9.5));
  const support = xs(shots, 0);
  return {
    support: { inputs: support, targets: support.map((x) => amplitude * Math.sin(x - phase)) },
    query: { inputs: xs(queries, 3.1) },
  };
}

describe('metatrain serve', () => {
  it('lists its models', async () => {
    const models = ((await (await fetch(`${base}/v1/models`)).json()) as { models: Array<Record<string, unknown>> }).models;
    expect(models.map((m) => m.name)).toEqual(['sine', 'omni']);
    expect(models[0]).toMatchObject({ algorithm: 'maml', kind: 'regression', inputShape: [1], outputs: 1, labels: null, adaptation: { method: 'sgd', steps: 1, lr: 0.01 } });
    expect(models[1]).toMatchObject({ algorithm: 'protonet', kind: 'classification', inputShape: [28, 28, 1], adaptation: { method: 'prototypes', steps: 0, lr: null } });
  });

  it("answers metatrain adapt's numbers and error messages for the same export and examples", async () => {
    const task = sineTask(3);
    await writeFile(join(dir, 'support.json'), JSON.stringify(task.support));
    await writeFile(join(dir, 'query.json'), JSON.stringify(task.query));
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ inputs: [1, 'x', 3], targets: [1, 2, 3] }));
    const out = join(dir, 'p.json');
    const [cli, cliBad, served, servedBad] = await Promise.all([
      runCli(['adapt', sineRun, '--support', join(dir, 'support.json'), '--query', join(dir, 'query.json'), '--steps', '3', '--out', out]),
      runCli(['adapt', sineRun, '--support', join(dir, 'bad.json'), '--query', join(dir, 'query.json')]),
      post('/v1/models/sine:predict', { ...task, steps: 3 }),
      post('/v1/models/sine:predict', { support: { inputs: [1, 'x', 3], targets: [1, 2, 3] }, query: task.query }),
    ]);
    expect(cli.code).toBe(0);
    const file = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
    expect(served.status).toBe(200);
    expect(served.json.predictions).toEqual(file.predictions);
    expect(served.json.supportLosses).toEqual(file.supportLosses);
    expect(served.json).toMatchObject({ steps: 3, lr: 0.01 });
    expect(cliBad.code).toBe(2);
    expect(cliBad.stderr).toContain(`${join(dir, 'bad.json')}: inputs[1]: "x" is not a number`);
    expect(servedBad).toMatchObject({ status: 400, json: { error: 'support: inputs[1]: "x" is not a number' } });
  }, 60_000);

  it('gives each of many concurrent requests exactly the answer it gets alone', async () => {
    const tasks = Array.from({ length: 48 }, (_, i) => ({ ...sineTask(i), steps: 2 }));
    const batchesBefore = await metric('metatrain_serve_batch_size_count');
    const together = await Promise.all(tasks.map((t) => post('/v1/models/sine:predict', t)));
    const batches = (await metric('metatrain_serve_batch_size_count')) - batchesBefore;
    expect(batches).toBeLessThan(tasks.length); // some requests were adapted together
    for (const [i, task] of tasks.entries()) {
      const alone = await post('/v1/models/sine:predict', task);
      expect(together[i]?.status).toBe(200);
      expect(together[i]?.json).toEqual(alone.json);
    }
    expect(new Set(together.map((r) => JSON.stringify(r.json.predictions))).size).toBe(tasks.length);
  }, 60_000);

  it('adapts once and predicts later with the adapted model', async () => {
    const task = sineTask(11);
    const adapted = await post('/v1/models/sine:adapt', { support: task.support, steps: 4 });
    expect(adapted.status).toBe(200);
    const later = await post(`/v1/adapted/${String(adapted.json.id)}:predict`, { inputs: task.query.inputs });
    const direct = await post('/v1/models/sine:predict', { ...task, steps: 4 });
    expect(later.json.predictions).toEqual(direct.json.predictions);
    expect(adapted.json.supportLosses).toEqual(direct.json.supportLosses);
    expect((await post('/v1/adapted/no-such-id:predict', { inputs: [1] })).status).toBe(404);
    expect(await post(`/v1/adapted/${String(adapted.json.id)}:predict`, { inputs: [[1, 2]] })).toMatchObject({ status: 400, json: { error: 'inputs[0]: 2 values, but the model takes 1 per example (input shape [1])' } });
  });

  it('classifies with prototypes, answering class names where the targets were names', async () => {
    const image = (seed: number) => Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => [((r * 3 + c * 5 + seed * 11) % 13) / 13]));
    const support = { inputs: [0, 1, 2].map(image), targets: ['alpha', 'beta', 'gamma'] };
    const response = await post('/v1/models/omni:predict', { support, query: { inputs: [image(1), image(2)], targets: ['beta', 'gamma'] } });
    expect(response.status).toBe(200);
    expect(response.json.predictions).toEqual(['beta', 'gamma']);
    expect(response.json.logits).toHaveLength(2);
    const unknown = await post('/v1/models/omni:predict', { support, query: { inputs: [image(1)], targets: ['delta'] } });
    expect(unknown).toMatchObject({ status: 400, json: { error: 'query: targets[0]: "delta" is not a class of the support set (alpha, beta, gamma)' } });
  });

  it.each<[string, string | Record<string, unknown>, number, string]>([
    ['broken JSON', '{"support": ', 400, 'body: not valid JSON ('],
    ['an unknown key', { support: { inputs: [1], targets: [1] }, query: { inputs: [1] }, stpes: 2 }, 400, 'stpes: unknown key (expected "support", "query", "steps", "lr")'],
    ['no query', { support: { inputs: [1], targets: [1] } }, 400, 'query: missing'],
    ['the wrong example size', { support: { inputs: [[1, 2]], targets: [1] }, query: { inputs: [1] } }, 400, 'support: inputs[0]: 2 values, but the model takes 1 per example (input shape [1])'],
    ['an infinite input', '{"support": {"inputs": [1e999], "targets": [1]}, "query": {"inputs": [1]}}', 400, 'support: inputs[0]: Infinity is not a finite number'],
    ['a class name for regression', { support: { inputs: [1], targets: ['cat'] }, query: { inputs: [1] } }, 400, 'support: targets[0]: "cat" is not a number (the model does regression)'],
    ['too many steps', { support: { inputs: [1], targets: [1] }, query: { inputs: [1] }, steps: 101 }, 400, 'steps: must be an integer from 0 to 100, got 101'],
    ['too many examples', { support: { inputs: Array(150).fill(1), targets: Array(150).fill(1) }, query: { inputs: Array(60).fill(1) } }, 413, 'support, query: 210 examples, more than 200'],
    ['a body above the limit', { support: { inputs: Array(120_000).fill(1), targets: [1] }, query: { inputs: [1] } }, 413, 'body: larger than 200000 bytes'],
  ])('answers %s with a status and a message naming the field', async (_label, body, status, message) => {
    const response = await post('/v1/models/sine:predict', body);
    expect(response.status).toBe(status);
    expect(String(response.json.error).startsWith(message)).toBe(true);
  });

  it('answers 404 for an unknown model and keeps serving', async () => {
    expect(await post('/v1/models/nope:predict', sineTask(1))).toMatchObject({ status: 404, json: { error: 'model "nope": not served (GET /v1/models lists the models)' } });
    expect((await post('/v1/models/sine:predict', sineTask(1))).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('metatrain_serve_request_duration_seconds_bucket{');
    expect(metrics).toContain('metatrain_serve_queue_depth 0');
    expect(metrics).toMatch(/metatrain_serve_adapted_lookups_total\{result="miss"\} [1-9]/);
  });
});

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? 0);
}
