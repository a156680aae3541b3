import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli';
import { startRedisServer, type RedisTestServer } from './support/redis-server';

// docs/ARCHITECTURE.md §9: the parameters after round r are a pure function of (spec, r). `train` runs the
// shards in one process; `local` runs the same job through Redis, gRPC and worker processes.
// All three must export the same bits (same backend everywhere here: the wasm/cpu fallback).
// The spec asks for a periodic held-out evaluation, which `local` computes as evaluation shards
// on the workers: it must not change the bits, and its numbers must equal `train`'s.

const spec = (name: string, algorithm: string) => `name: ${name}
algorithm: ${algorithm}
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 2, lr: 0.01 }
outer: { lr: 0.003, metaBatchSize: 7, iterations: 12 }
shardSize: 2
checkpoint: { everyRounds: 5, keep: 2 }
eval: { everyRounds: 4, tasks: 5 }
seed: 21
`;

let dir: string;
let redis: RedisTestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-invariant-'));
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.close();
  await rm(dir, { recursive: true, force: true });
});

/** weights.bin of the export of run directory `out` (`train` and `local` write the same layout). */
async function exportedWeights(out: string): Promise<Buffer> {
  return readFile(join(out, 'export', 'weights.bin'));
}

interface MetricsLine {
  round: number;
  eval?: { version: number; tasks: number; preLoss: number; postLoss: number; preAccuracy?: number; postAccuracy?: number; evalMs: number; workers: number };
}

async function metricsLines(out: string): Promise<MetricsLine[]> {
  return (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as MetricsLine);
}

async function run(args: string[]): Promise<void> {
  const result = await runCli(args, { REDIS_URL: redis.url });
  expect(result.code, result.stderr).toBe(0);
}

describe('train, local with 1 worker and local with 2 workers', () => {
  for (const algorithm of ['maml', 'reptile']) {
    it(`export identical ${algorithm} parameters, bit for bit`, async () => {
      const specPath = join(dir, `${algorithm}.yaml`);
      await writeFile(specPath, spec(`invariant-${algorithm}`, algorithm));
      const out = (label: string) => join(dir, `${algorithm}-${label}`);
      await run(['train', specPath, '--out', out('train')]);
      await run(['local', specPath, '--workers', '1', '--out', out('local1')]);
      await run(['local', specPath, '--workers', '2', '--out', out('local2')]);
      // `local` leaves train's files at the top of its run directory; the coordinator's own storage stays apart.
      expect((await readdir(out('local1'))).sort()).toEqual(['.coordinator', 'export', 'learning-curves.svg', 'metrics.jsonl']);

      const trained = await exportedWeights(out('train'));
      expect(trained.length).toBeGreaterThan(0);
      expect((await exportedWeights(out('local1'))).equals(trained)).toBe(true);
      expect((await exportedWeights(out('local2'))).equals(trained)).toBe(true);
      const trainedLines = await metricsLines(out('train'));
      // An evaluation's results, without how long it took and how many workers shared it.
      const evals = (lines: MetricsLine[]) => lines.flatMap(({ round, eval: e }) => (e ? [{ round, version: e.version, tasks: e.tasks, preLoss: e.preLoss, postLoss: e.postLoss, preAccuracy: e.preAccuracy, postAccuracy: e.postAccuracy }] : []));
      // Versions 4, 8 and 12, on the lines of rounds 3, 7 and 11; 5 held-out tasks in 3 shards each.
      expect(evals(trainedLines).map((e) => [e.round, e.tasks])).toEqual([[3, 5], [7, 5], [11, 5]]);
      expect(evals(trainedLines).every((e) => Number.isFinite(e.preLoss) && Number.isFinite(e.postLoss) && e.preLoss !== e.postLoss)).toBe(true);
      for (const label of ['local1', 'local2']) {
        const lines = await metricsLines(out(label));
        expect(lines.map((l) => l.round), label).toEqual([...Array(12).keys()]);
        expect(evals(lines), label).toEqual(evals(trainedLines));
      }
    });
  }
});
