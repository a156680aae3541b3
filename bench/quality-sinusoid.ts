import { fileURLToPath } from 'node:url';
import { evaluate, flags, metaTrain, recordResult } from './quality-common';

/**
 * Sinusoid regression quality (Finn et al. 2017 §5.1; Li et al. 2017 Table 1): meta-train
 * 1-40-40-1 ReLU with meta-batch 25 and Adam 1e-3, then adapt with the training inner loop
 * on 600 held-out tasks and report the query MSE ± 95 % CI. Results merge into
 * docs/results/sinusoid.json.
 *
 *   pnpm bench quality-sinusoid --algorithm maml --shots 5 --iterations 70000
 *
 * `--steps K` sets the inner steps; `--plus cosine,da,msl` adds MAML++'s switches: the cosine
 * outer lr, derivative-order annealing (first order for the first third of the rounds) and the
 * multi-step loss (weights annealed over the first tenth; needs 2+ steps).
 */
const args = flags({ algorithm: { type: 'string' }, shots: { type: 'string' }, iterations: { type: 'string' }, 'eval-tasks': { type: 'string' }, steps: { type: 'string' }, plus: { type: 'string' } });
const algorithm = args.algorithm ?? 'maml';
const shots = Number(args.shots ?? 5);
const iterations = Number(args.iterations ?? 70000);
const evalTasks = Number(args['eval-tasks'] ?? 600);
const plus = (args.plus ?? '').split(',').filter((p) => p !== '');
const unknown = plus.filter((p) => !['cosine', 'da', 'msl'].includes(p));
if (unknown.length > 0) throw new Error(`--plus: unknown ${unknown.join(', ')} (cosine, da, msl)`);

/** Reptile takes several SGD steps per task and the annealed outer step ε of Nichol et al.; the others one step of 0.01. */
const reptile = algorithm === 'reptile';
const steps = Number(args.steps ?? (reptile ? 5 : 1));
const spec = {
  name: `sinusoid-${algorithm}-${shots}shot`,
  algorithm,
  model: { kind: 'mlp', hidden: [40, 40], activation: 'relu' },
  tasks: { family: 'sinusoid', shots, queryShots: 10 },
  inner: {
    steps,
    lr: reptile ? 0.02 : 0.01,
    ...(plus.includes('da') ? { firstOrderRounds: Math.ceil(iterations / 3) } : {}),
    ...(plus.includes('msl') ? { multiStepLossRounds: Math.ceil(iterations / 10) } : {}),
  },
  outer: reptile
    ? { optimizer: 'sgd', lr: 1, metaBatchSize: 25, iterations, anneal: 'linear' }
    : { optimizer: 'adam', lr: 0.001, metaBatchSize: 25, iterations, ...(plus.includes('cosine') ? { anneal: 'cosine' } : {}) },
  blockSize: 25,
  seed: 1,
};

const { ctx, state, seconds, backend } = await metaTrain(spec, process.cwd());
const report = evaluate(ctx, state, evalTasks);
/** What sets this run apart from the default one of its algorithm, in its key and setting. */
const variant = [steps !== (reptile ? 5 : 1) ? `k${steps}` : '', ...plus, iterations !== 70000 ? `i${iterations}` : ''].filter((v) => v !== '');
const line = `${[algorithm, ...plus].join('+')} ${shots}-shot after ${iterations} iterations: MSE ${report.after.loss.mean.toFixed(3)} ± ${report.after.loss.ci95.toFixed(3)} (before adaptation ${report.before.loss.mean.toFixed(3)}), ${seconds.toFixed(0)} s`;
process.stdout.write(`${line}\n`);
await recordResult(fileURLToPath(new URL('../docs/results/sinusoid.json', import.meta.url)), {
  key: [`${algorithm}-${shots}`, ...variant].join('-'),
  algorithm,
  setting: `${shots}-shot, ${spec.inner.steps} inner step(s), lr ${spec.inner.lr}${plus.length > 0 ? `, MAML++: ${plus.join(' + ')}` : ''}`,
  iterations,
  evalTasks,
  report,
  seconds,
  backend,
  command: `pnpm bench quality-sinusoid --algorithm ${algorithm} --shots ${shots} --iterations ${iterations}${args.steps ? ` --steps ${steps}` : ''}${plus.length > 0 ? ` --plus ${plus.join(',')}` : ''}`,
  date: new Date().toISOString().slice(0, 10),
});
