import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli';
import { startRedisServer, type RedisTestServer } from './support/redis-server';

// docs/ARCHITECTURE.md §9: the parameters after round r are a pure function of (spec, r). `train` runs the
// blocks in one process; `local` runs the same job through Redis, gRPC and worker processes,
// the blocks grouped into shards. All must export the same bits (same backend everywhere here:
// the wasm/cpu fallback), whatever the number of workers and the shard size. The specs ask for a
// periodic held-out evaluation, which `local` computes as evaluation shards on the workers: it
// must not change the bits, and its numbers must equal `train`'s.

const spec = (name: string, algorithm: string, outer = '') => `name: ${name}
algorithm: ${algorithm}
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 2, lr: 0.01 }
outer: { lr: 0.003, metaBatchSize: 7, iterations: 12${outer} }
blockSize: 2
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

/** Runs `metatrain …`; returns its stderr, where `local` passes on its processes' lines. */
async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await runCli(args, { REDIS_URL: redis.url, ...env });
  expect(result.code, result.stderr).toBe(0);
  return result.stderr;
}

/** An evaluation's results, without how long it took and how many workers shared it. */
const evals = (lines: MetricsLine[]) => lines.flatMap(({ round, eval: e }) => (e ? [{ round, version: e.version, tasks: e.tasks, preLoss: e.preLoss, postLoss: e.postLoss, preAccuracy: e.preAccuracy, postAccuracy: e.postAccuracy }] : []));

describe('train, local with 1 worker of 2 threads and local with 2 workers of 1 thread', () => {
  // Local steps: each block takes 3 meta-steps of its own from θ_r, the round a Nesterov step on their mean change.
  const variants = [
    { label: 'maml', algorithm: 'maml', outer: '' },
    { label: 'reptile', algorithm: 'reptile', outer: '' },
    { label: 'maml-local-steps', algorithm: 'maml', outer: ', localSteps: 3' },
  ];
  for (const { label: variant, algorithm, outer } of variants) {
    it(`export identical ${variant} parameters, bit for bit`, async () => {
      const specPath = join(dir, `${variant}.yaml`);
      await writeFile(specPath, spec(`invariant-${variant}`, algorithm, outer));
      const out = (label: string) => join(dir, `${variant}-${label}`);
      await run(['train', specPath, '--out', out('train')]);
      // Two threads in one worker compute two shards at once, each with the same backend.
      await run(['local', specPath, '--workers', '1', '--threads', '2', '--out', out('local1')]);
      await run(['local', specPath, '--workers', '2', '--threads', '1', '--out', out('local2')]);
      // `local` leaves train's files at the top of its run directory; the coordinator's own storage stays apart.
      expect((await readdir(out('local1'))).sort()).toEqual(['.coordinator', 'export', 'learning-curves.svg', 'metrics.jsonl']);

      const trained = await exportedWeights(out('train'));
      expect(trained.length).toBeGreaterThan(0);
      expect((await exportedWeights(out('local1'))).equals(trained)).toBe(true);
      expect((await exportedWeights(out('local2'))).equals(trained)).toBe(true);
      const trainedLines = await metricsLines(out('train'));
      // Versions 4, 8 and 12, on the lines of rounds 3, 7 and 11; 5 held-out tasks in 3 blocks each.
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

// 50 tasks in 25 blocks of 2. The workers' shards hold 1, 5 or 25 blocks, or as many as the
// coordinator's sizer chooses (auto): one block per queue trip, a fifth of the round, the whole
// round in one shard. Each block's sum is computed alone and the block sums are added in block
// order, so every grouping exports `train`'s bits.
const blocksSpec = (shardSize: number | 'auto') => `name: invariant-blocks
algorithm: maml
model: { kind: mlp, hidden: [8, 8] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 1, lr: 0.01 }
outer: { lr: 0.003, metaBatchSize: 50, iterations: 3 }
blockSize: 2
shardSize: ${shardSize}
eval: { everyRounds: 3, tasks: 10 }
seed: 23
`;

/** The block ranges of round 0 the workers reported, as `local`'s debug lines name them (`…-r0-b{first}-{end}`). */
function round0Shards(stderr: string): string[] {
  const ranges = [...stderr.matchAll(/worker: shard \S+-r0-(b\d+-\d+)(?:-a\d+)? accepted/g)].map((m) => m[1] ?? '');
  return ranges.sort((a, b) => Number(a.slice(1).split('-')[0]) - Number(b.slice(1).split('-')[0]));
}

describe('train and local with 2 workers, the blocks grouped into shards of any size', () => {
  it('export identical parameters and evaluations, bit for bit, whatever the shard size', async () => {
    const out = (label: string) => join(dir, `blocks-${label}`);
    const specPath = async (shardSize: number | 'auto') => {
      const path = join(dir, `blocks-${shardSize}.yaml`);
      await writeFile(path, blocksSpec(shardSize));
      return path;
    };
    await run(['train', await specPath('auto'), '--out', out('train')]);
    const trained = await exportedWeights(out('train'));
    const trainedEvals = evals(await metricsLines(out('train')));
    expect(trainedEvals.map((e) => [e.round, e.tasks])).toEqual([[2, 10]]);

    const expectedShards: Record<string, string[] | undefined> = {
      1: Array.from({ length: 25 }, (_, b) => `b${b}-${b + 1}`),
      5: ['b0-5', 'b5-10', 'b10-15', 'b15-20', 'b20-25'],
      25: ['b0-25'],
      auto: undefined, // the sizer's choice: whatever it is, the bits are the same
    };
    for (const [shardSize, shards] of Object.entries(expectedShards)) {
      const label = `local-${shardSize}`;
      const stderr = await run(['local', await specPath(shardSize === 'auto' ? 'auto' : Number(shardSize)), '--workers', '2', '--out', out(label)], { METATRAIN_LOG: 'debug' });
      if (shards) expect(round0Shards(stderr), label).toEqual(shards);
      else expect(round0Shards(stderr).length, label).toBeGreaterThan(0);
      expect((await exportedWeights(out(label))).equals(trained), label).toBe(true);
      expect(evals(await metricsLines(out(label))), label).toEqual(trainedEvals);
    }
  });
});
