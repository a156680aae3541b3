import { fileURLToPath } from 'node:url';
import { createModel, type HeldOutReport } from '@metatrain/metalearn';
import { createModelLayout, createTaskFamily, Purpose, Rng, type TaskFamily, validateSpec } from '@metatrain/core';
import { evaluate, flags, meanCi, metaTrain, recordResult } from './quality-common';

/**
 * Omniglot few-shot classification: meta-train Conv4 on images_background_small1 and test on
 * the alphabets of images_background_small2 that small1 lacks (Japanese (katakana),
 * Sanskrit, Tagalog; Greek and Latin are in both zips and so are not "unseen"). Evaluates
 * 5-way 1-shot and 5-way 5-shot, and 20-way 1-shot where the model allows it (ProtoNets,
 * nearest neighbour); results merge into docs/results/omniglot.json.
 *
 *   pnpm bench quality-omniglot --algorithm protonet --iterations 1500
 *   pnpm bench quality-omniglot --algorithm nearest-neighbour
 */
const args = flags({
  algorithm: { type: 'string' },
  iterations: { type: 'string' },
  channels: { type: 'string' },
  'meta-batch': { type: 'string' },
  'eval-tasks': { type: 'string' },
});
const algorithm = args.algorithm ?? 'protonet';
const iterations = Number(args.iterations ?? 1500);
const channels = Number(args.channels ?? 32);
const metaBatchSize = Number(args['meta-batch'] ?? 4);
const evalTasks = Number(args['eval-tasks'] ?? 200);
const DATA = fileURLToPath(new URL('../datasets/omniglot/', import.meta.url));

/** Training episodes: 5-way 1-shot with 5 queries per class (evaluation uses 15). */
function tasksSpec(ways: number, shots: number, queryShots: number) {
  return {
    family: 'omniglot',
    path: `${DATA}images_background_small1.zip`,
    testPath: `${DATA}images_background_small2.zip`,
    ways,
    shots,
    queryShots,
  };
}

const SETTINGS = [
  { label: '5-way 1-shot', ways: 5, shots: 1 },
  { label: '5-way 5-shot', ways: 5, shots: 5 },
  { label: '20-way 1-shot', ways: 20, shots: 1 },
];

function evalFamily(ways: number, shots: number): TaskFamily {
  const spec = validateSpec({ name: 'eval', algorithm: 'protonet', model: { kind: 'conv4' }, tasks: tasksSpec(ways, shots, 15), outer: { lr: 1, metaBatchSize: 1, iterations: 1 } });
  return createTaskFamily(spec.tasks, { baseDir: process.cwd() });
}

/** Accuracy of 1-nearest-neighbour on raw pixels (Euclidean), the no-learning baseline. */
function nearestNeighbour(family: TaskFamily, tasks: number): HeldOutReport {
  const accuracies: number[] = [];
  const size = family.inputShape.reduce((a, b) => a * b, 1);
  for (let t = 0; t < tasks; t++) {
    const task = family.sample(Rng.for(1, Purpose.EvalTask, 1, t), 'test');
    let correct = 0;
    for (let q = 0; q < task.query.n; q++) {
      let best = Infinity;
      let label = -1;
      for (let s = 0; s < task.support.n; s++) {
        let d = 0;
        for (let k = 0; k < size; k++) d += ((task.query.x[q * size + k] as number) - (task.support.x[s * size + k] as number)) ** 2;
        if (d < best) [best, label] = [d, task.support.y[s] as number];
      }
      if (label === task.query.y[q]) correct++;
    }
    accuracies.push(correct / task.query.n);
  }
  const accuracy = meanCi(accuracies);
  const none = { mean: NaN, ci95: NaN };
  return { tasks, before: { loss: none, accuracy }, after: { loss: none, accuracy } };
}

const reptile = algorithm === 'reptile';
const firstOrderInner = { steps: 1, lr: 0.4 };
const specInput = {
  name: `omniglot-${algorithm}`,
  algorithm: algorithm === 'nearest-neighbour' ? 'protonet' : algorithm,
  model: { kind: 'conv4', channels },
  tasks: tasksSpec(5, 1, 5),
  inner: reptile ? { steps: 5, lr: 0.1 } : firstOrderInner,
  outer: reptile
    ? { optimizer: 'sgd', lr: 1, metaBatchSize, iterations, anneal: 'linear' }
    : { optimizer: 'adam', lr: 0.001, metaBatchSize, iterations },
  blockSize: metaBatchSize,
  seed: 1,
};

const results: Array<{ setting: string; report: HeldOutReport }> = [];
let seconds = 0;
let backend = 'n/a';
if (algorithm === 'nearest-neighbour') {
  for (const s of SETTINGS) results.push({ setting: s.label, report: nearestNeighbour(evalFamily(s.ways, s.shots), evalTasks) });
} else {
  const trained = await metaTrain(specInput, process.cwd(), 20);
  seconds = trained.seconds;
  backend = trained.backend;
  for (const s of SETTINGS) {
    // A classifier head has exactly 5 outputs; only an embedding (ProtoNets) handles 20 ways.
    if (s.ways !== 5 && algorithm !== 'protonet') continue;
    const family = evalFamily(s.ways, s.shots);
    const model = createModel(createModelLayout(trained.ctx.spec.model, family, algorithm !== 'protonet'));
    results.push({ setting: s.label, report: evaluate(trained.ctx, trained.state, evalTasks, family, model) });
  }
}
for (const { setting, report } of results) {
  const acc = report.after.accuracy;
  process.stdout.write(`${algorithm} ${setting}: ${((acc?.mean ?? NaN) * 100).toFixed(1)} % ± ${((acc?.ci95 ?? NaN) * 100).toFixed(1)}\n`);
  await recordResult(fileURLToPath(new URL('../docs/results/omniglot.json', import.meta.url)), {
    key: `${algorithm}-${setting}`,
    algorithm,
    setting,
    iterations: algorithm === 'nearest-neighbour' ? 0 : iterations,
    evalTasks,
    report,
    seconds,
    backend,
    command:
      algorithm === 'nearest-neighbour'
        ? 'pnpm bench quality-omniglot --algorithm nearest-neighbour'
        : `pnpm bench quality-omniglot --algorithm ${algorithm} --iterations ${iterations} --channels ${channels} --meta-batch ${metaBatchSize}`,
    date: new Date().toISOString().slice(0, 10),
  });
}
