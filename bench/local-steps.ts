import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { metatrain } from './cli-runs';

/**
 * `pnpm bench local-steps` (issue 15 part 4, sinusoid), writes docs/bench-local-steps.md:
 * MAML on the sinusoid under `metatrain local --workers 2` with H = 1 (the usual outer loop),
 * 4 and 16 local steps, each for the same number of meta-steps (so H times fewer rounds, each
 * H times longer): held-out MSE after adaptation against rounds and against wall time, from
 * the periodic evaluations, and at the end over 600 held-out tasks (`metatrain eval`, 95 % CI).
 */

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const STEPS = env('BENCH_LOCAL_STEPS', '1,4,16').split(',').map(Number);
/** Meta-steps of every run: rounds × H. */
const META_STEPS = Number(env('BENCH_LOCAL_META_STEPS', '4000'));
const EVALS = 5;
const OUT = new URL('../docs/bench-local-steps.md', import.meta.url);
const MAIN = fileURLToPath(import.meta.resolve('@metatrain/cli/main'));

const spec = (localSteps: number) => {
  const rounds = META_STEPS / localSteps;
  return `name: local-steps-${localSteps}
algorithm: maml
model: { kind: mlp, hidden: [40, 40], activation: relu }
tasks: { family: sinusoid, shots: 5, queryShots: 10 }
inner: { steps: 1, lr: 0.01 }
outer: { optimizer: adam, lr: 0.001, metaBatchSize: 25, iterations: ${rounds}${localSteps > 1 ? `, localSteps: ${localSteps}` : ''} }
blockSize: 5
checkpoint: { everyRounds: ${rounds}, keep: 1 }
eval: { everyRounds: ${rounds / EVALS}, tasks: 100 }
seed: 1
`;
};

/** A point of the curve: after `round` rounds and `seconds` of round time, the held-out MSE after adaptation. */
interface CurvePoint {
  round: number;
  seconds: number;
  mse: number;
}

async function curve(outDir: string): Promise<CurvePoint[]> {
  const lines = (await readFile(join(outDir, 'metrics.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { round: number; roundMs: number; eval?: { postLoss: number } });
  let ms = 0;
  const points: CurvePoint[] = [];
  for (const line of lines) {
    ms += line.roundMs;
    if (line.eval) points.push({ round: line.round + 1, seconds: ms / 1000, mse: line.eval.postLoss });
  }
  return points;
}

/** `metatrain eval <dir> --json`: the held-out MSE after adaptation over 600 tasks, mean and 95 % CI. */
function heldOut(outDir: string): Promise<{ mean: number; ci95: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'eval', outDir, '--tasks', '600', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve((JSON.parse(stdout) as { after: { loss: { mean: number; ci95: number } } }).after.loss) : reject(new Error(`metatrain eval exited ${code}`))));
  });
}

const dir = await mkdtemp(join(tmpdir(), 'metatrain-bench-local-steps-'));
const rows: string[] = [];
const curves: string[] = [];
try {
  for (const h of STEPS) {
    const specPath = join(dir, `h${h}.yaml`);
    const outDir = join(dir, `h${h}`);
    await writeFile(specPath, spec(h));
    process.stderr.write(`local steps ${h}: ${META_STEPS / h} rounds …\n`);
    const wall = await metatrain(['local', specPath, '--workers', '2', '--out', outDir]);
    const points = await curve(outDir);
    const final = await heldOut(outDir);
    rows.push(`| ${h === 1 ? '1 (no `localSteps`)' : h} | ${META_STEPS / h} | ${META_STEPS} | ${wall.toFixed(1)} s | ${(points.at(-1)?.seconds ?? 0).toFixed(1)} s | ${final.mean.toFixed(3)} ± ${final.ci95.toFixed(3)} |`);
    curves.push(`| ${h} | ${points.map((p) => `${p.round} r, ${p.seconds.toFixed(0)} s: ${p.mse.toFixed(2)}`).join(' · ')} |`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const report = `# Local steps: held-out loss against rounds and wall time

\`pnpm bench local-steps\` on ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}. MAML, sinusoid 5-shot, MLP 40-40, 25 tasks a meta-step in 5 blocks, Adam 1e-3,
run by \`metatrain local --workers 2\` for ${META_STEPS} meta-steps: H meta-steps a round (each block its own, from θ_r), so ${META_STEPS} / H rounds,
the rounds' mean change applied with Nesterov (lr 0.7, momentum 0.9, the \`sync\` default). Held-out MSE after one adaptation step.

| H | rounds | meta-steps | wall (whole command) | round time | held-out MSE, 600 tasks (95 % CI) |
|---|---|---|---|---|---|
${rows.join('\n')}

Held-out MSE (100 tasks) along the way, after r rounds and s seconds of round time:

| H | curve |
|---|---|
${curves.join('\n')}
`;
await writeFile(OUT, report);
process.stdout.write(report);
