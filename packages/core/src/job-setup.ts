import type { MetaState } from './rounds/apply-round';
import { initialOptimizerState } from './rounds/outer-optimizer';
import { roundOptimizer } from './rounds/local-steps';
import { algorithmConfig, type AlgorithmConfig, LEARNED_LR_PREFIX } from './algorithms/algorithm-config';
import type { Conv4Layout } from './models/conv4-layout';
import { createModelLayout } from './models/create-model-layout';
import type { MlpLayout } from './models/mlp-layout';
import type { ModelLayout, ParamShape } from './models/model-layout';
import type { ParamSet } from './params';
import { Purpose, Rng } from './rng/counter-rng';
import type { JobSpec } from './spec/schema';
import type { Task, TaskFamily, TaskSplit } from './tasks/task';

/** What the job loop and the checkpoints need of a job: its spec, the meta-parameters' layout and the model's initialisation. */
export interface JobLayout {
  spec: JobSpec;
  /** the meta-parameters' layout: model parameters, then Meta-SGD's learned lrs */
  layout: ParamShape[];
  model: ModelLayout;
}

/**
 * What a job's spec builds without TensorFlow.js: its task family, the model's layout, the
 * algorithm's knobs and the meta-parameters' layout. Enough to plan, check and reduce rounds,
 * start and resume from checkpoints; computing shards needs the model's forward pass too
 * (@metatrain/metalearn's ComputeContext).
 */
export interface JobSetup extends JobLayout {
  family: TaskFamily;
  model: MlpLayout | Conv4Layout;
  config: AlgorithmConfig;
}

/** The setup of `spec` on `family`. @throws SpecError when the model does not fit the family. */
export function createJobSetup(spec: JobSpec, family: TaskFamily): JobSetup {
  const model = createModelLayout(spec.model, family, spec.algorithm !== 'protonet');
  const config = algorithmConfig(spec, model);
  const lrs = config.learnedLrs ? model.params.map((p) => ({ name: LEARNED_LR_PREFIX + p.name, shape: [...p.shape] })) : [];
  return { spec, family, model, config, layout: [...model.params, ...lrs] };
}

/** θ_0: the model's deterministic initialisation (plus Meta-SGD's lrs, all starting at inner.lr). */
export function initialMetaParams(setup: JobLayout): ParamSet {
  const params = setup.model.init(Rng.for(setup.spec.seed, Purpose.Init));
  const lrs = setup.layout
    .filter((p) => p.name.startsWith(LEARNED_LR_PREFIX))
    .map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(p.shape.reduce((a, b) => a * b, 1)).fill(setup.spec.inner.lr) }));
  return [...params, ...lrs];
}

/** Task i of round r: a pure function of (seed, r, i) and the split. */
export function sampleTask(setup: Pick<JobSetup, 'spec' | 'family'>, round: number, index: number, split: TaskSplit = 'train'): Task {
  const purpose = split === 'train' ? Purpose.TrainTask : Purpose.EvalTask;
  return setup.family.sample(Rng.for(setup.spec.seed, purpose, round, index), split);
}

/** The state of a job before its first round: θ_0 and a fresh outer optimizer. */
export function initialState(setup: JobLayout): MetaState {
  const params = initialMetaParams(setup);
  return { version: 0, params, optimizer: initialOptimizerState(roundOptimizer(setup.spec), params) };
}
