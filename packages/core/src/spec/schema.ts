import { z } from 'zod';
import { datasetNames } from '../datasets/catalog';
import { dataPathProblem } from '../tasks/data-url';
import { BACKEND_NAMES } from '../backend-info';
import { DEFAULT_POOL, POOL_NAME_PATTERN, POOL_NAME_RULE } from '../pools';

const positiveInt = z.number().int().positive();

/** The largest fixed `shardSize`: as many blocks as the largest meta-batch can have. */
const MAX_BLOCKS_PER_SHARD = 10_000;
const shardSizeError = { error: `expected a positive integer of blocks per shard (at most ${MAX_BLOCKS_PER_SHARD}) or "auto"` };
const shardSize = z.union([z.number(shardSizeError).int(shardSizeError).positive(shardSizeError).max(MAX_BLOCKS_PER_SHARD, shardSizeError), z.literal('auto')], shardSizeError);
const positiveFinite = z.number().positive().finite();

const mlpModel = z.strictObject({
  kind: z.literal('mlp'),
  hidden: z.array(positiveInt).max(16).default([40, 40]),
  activation: z.enum(['relu', 'tanh']).default('relu'),
});

const conv4Model = z.strictObject({
  kind: z.literal('conv4'),
  channels: positiveInt.max(1024).default(64),
});

const sinusoidTasks = z.strictObject({
  family: z.literal('sinusoid'),
  shots: positiveInt,
  queryShots: positiveInt.default(10),
});

/**
 * A data path: a local path (relative to the spec file), a file:// URL, or an http(s) URL
 * pinned by the file's sha256 (`https://host/file.zip#sha256=<hex>`). An unpinned URL, an
 * s3:// URL or another scheme is refused here, saying what to write instead.
 */
const dataPath = z
  .string()
  .min(1)
  .superRefine((path, ctx) => {
    const problem = dataPathProblem(path);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
const dataPaths = z.union([dataPath, z.array(dataPath).min(1)]);

/** A dataset of the catalog that `family` reads; any other name is refused, the known ones listed. */
function datasetName(family: 'omniglot') {
  const known = datasetNames(family);
  return z.string().refine((name) => known.includes(name), {
    error: (issue) => `unknown ${family} dataset ${JSON.stringify(issue.input)}; known: ${known.join(', ')} (metatrain data list)`,
  });
}

const omniglotTasks = z
  .strictObject({
    family: z.literal('omniglot'),
    /** zip file(s) in the official Omniglot layout (alphabet/character/png): local paths (relative to the spec file), file:// or pinned http(s) URLs */
    path: dataPaths.optional(),
    /** instead of `path`: a dataset of the catalog (`metatrain data list`), fetched where the job runs */
    dataset: datasetName('omniglot').optional(),
    ways: positiveInt.default(5),
    shots: positiveInt,
    queryShots: positiveInt.default(15),
    imageSize: positiveInt.max(105).default(28),
    /** add the 90°, 180° and 270° rotations of every character as new classes */
    rotations: z.boolean().default(false),
    /** which classes are held out for evaluation */
    split: z
      .strictObject({
        by: z.enum(['alphabet', 'character']).default('alphabet'),
        /** held-out alphabets by name (by: alphabet); default: the last ~20 % in sorted order */
        testAlphabets: z.array(z.string().min(1)).optional(),
        /** fraction held out: of alphabets (by: alphabet, without testAlphabets) or of each alphabet's characters (by: character) */
        testFraction: z.number().gt(0).lt(1).default(0.2),
      })
      .default({ by: 'alphabet', testFraction: 0.2 }),
    /** zip file(s) whose alphabets not in `path` are the evaluation classes (as `path`) */
    testPath: dataPaths.optional(),
    /** instead of `testPath`: a dataset of the catalog */
    testDataset: datasetName('omniglot').optional(),
  })
  // Specs name their data one way: a path on this machine, or a dataset of the catalog.
  .superRefine((tasks, ctx) => {
    if (tasks.path === undefined && tasks.dataset === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'required: the Omniglot zip(s), or a catalog dataset in tasks.dataset' });
    }
    if (tasks.path !== undefined && tasks.dataset !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['dataset'], message: 'give tasks.path or tasks.dataset, not both' });
    }
    if (tasks.testPath !== undefined && tasks.testDataset !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['testDataset'], message: 'give tasks.testPath or tasks.testDataset, not both' });
    }
  });

const imageFolderTasks = z.strictObject({
  family: z.literal('image-folder'),
  /** a folder with one sub-folder of .png/.jpg/.jpeg images per class, or a zip of one (which may wrap them in one top folder): a local path (relative to the spec file), a file:// URL, or a pinned http(s) URL of a zip */
  path: dataPath,
  ways: positiveInt.default(5),
  shots: positiveInt,
  queryShots: positiveInt.default(15),
  /** every image is resized to imageSize × imageSize (area averaging, aspect ratio not kept) */
  imageSize: positiveInt.max(256).default(28),
  /** 1: grey (luma 0.299 R + 0.587 G + 0.114 B), 3: RGB */
  channels: z.literal([1, 3]).default(1),
  /** which classes are held out for evaluation when there is no testPath */
  split: z
    .strictObject({
      /** fraction of the classes held out, chosen by a fixed shuffle of their names (at least 1) */
      testFraction: z.number().gt(0).lt(1).default(0.2),
    })
    .default({ testFraction: 0.2 }),
  /** a folder or zip of other classes, in the same layout, to evaluate on; then every class of path trains */
  testPath: dataPath.optional(),
});

const csvTasks = z.strictObject({
  family: z.literal('csv'),
  /** the table: a local path (relative to the spec file), a file:// URL, or a pinned http(s) URL */
  path: dataPath,
  taskColumn: z.string().min(1),
  target: z.string().min(1),
  /** feature columns; default every numeric column but the task and target columns */
  features: z.array(z.string().min(1)).min(1).optional(),
  kind: z.enum(['regression', 'classification']).default('regression'),
  shots: positiveInt,
  queryShots: positiveInt.default(5),
  /** standardise features (and regression targets) with statistics of the training groups */
  normalize: z.boolean().default(true),
  /** fraction of groups held out for evaluation */
  testFraction: z.number().gt(0).lt(1).default(0.2),
});

export const jobSpecSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(63)
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes'),
  algorithm: z.enum(['maml', 'fomaml', 'reptile', 'metasgd', 'anil', 'protonet', 'pretrain']),
  model: z.discriminatedUnion('kind', [mlpModel, conv4Model]),
  tasks: z.discriminatedUnion('family', [sinusoidTasks, omniglotTasks, imageFolderTasks, csvTasks]),
  inner: z
    .strictObject({
      steps: positiveInt.max(100).default(1),
      lr: positiveFinite.default(0.01),
      firstOrder: z.boolean().default(false),
      /**
       * Derivative-order annealing (MAML++): the first N rounds take the first-order gradient,
       * the later ones the second-order one (second-order maml, metasgd and anil only).
       */
      firstOrderRounds: positiveInt.optional(),
      /**
       * Multi-step loss (MAML++): the outer loss weighs the query loss after every inner step,
       * the weights moving to the last step over the first N rounds (gradient algorithms, 2+ steps).
       */
      multiStepLossRounds: positiveInt.optional(),
    })
    .default({ steps: 1, lr: 0.01, firstOrder: false }),
  outer: z.strictObject({
    optimizer: z.enum(['adam', 'sgd']).default('adam'),
    lr: positiveFinite,
    metaBatchSize: positiveInt.max(10_000),
    iterations: positiveInt.max(10_000_000),
    /** linear: the outer lr falls linearly to 0 over the iterations (Reptile's annealed ε); cosine: along half a cosine to 0 (MAML++) */
    anneal: z.enum(['none', 'linear', 'cosine']).default('none'),
    /**
     * Local steps (DiLoCo): in each round every block takes this many meta-steps of
     * `optimizer` and `lr` from θ_r, on tasks of its own, and the round applies the mean of the
     * blocks' parameter changes with `sync`. Absent: one meta-step a round, the usual outer loop.
     */
    localSteps: positiveInt.max(1000).optional(),
    /** The step on the mean change of the local steps (with localSteps only): θ ← θ − lr · update(mean change). */
    sync: z
      .strictObject({
        optimizer: z.enum(['sgd', 'nesterov']).default('nesterov'),
        lr: positiveFinite.default(0.7),
        momentum: z.number().min(0).lt(1).default(0.9),
      })
      .optional(),
  }),
  /**
   * Tasks per block. A block's tasks are one batched computation with one sum, and the round's
   * mean gradient adds the block sums in block order: blocks fix the float summation order,
   * hence the bits. Default: ceil(outer.metaBatchSize / 8), at most 8 blocks per round.
   */
  blockSize: positiveInt.optional(),
  /**
   * Blocks per shard (per queue message), or `auto`: the coordinator sizes shards for the
   * workers it has. Never changes the result; `train` ignores it.
   */
  shardSize: shardSize.default('auto'),
  /**
   * Where the job's shards are computed: by workers of `pool` (WORKER_POOL) only, all on
   * `backend`. A job never mixes backends; without `backend` the coordinator fixes one for
   * the job when it first enqueues (docs/ARCHITECTURE.md §5, Pools). `train` honours `backend`.
   */
  resources: z
    .strictObject({
      pool: z.string({ error: POOL_NAME_RULE }).regex(POOL_NAME_PATTERN, { error: (issue) => `${POOL_NAME_RULE}, got ${JSON.stringify(issue.input)}` }).default(DEFAULT_POOL),
      backend: z.enum(BACKEND_NAMES, { error: (issue) => `expected one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(issue.input)}` }).optional(),
    })
    .default({ pool: DEFAULT_POOL }),
  checkpoint: z
    .strictObject({ everyRounds: positiveInt.default(500), keep: positiveInt.default(3) })
    .default({ everyRounds: 500, keep: 3 }),
  /** periodic held-out evaluation during training */
  eval: z.strictObject({ everyRounds: positiveInt, tasks: positiveInt.max(10_000).default(100) }).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
});

export type JobSpecInput = z.input<typeof jobSpecSchema>;
type ParsedSpec = z.output<typeof jobSpecSchema>;
/** A validated job spec with every default filled in. */
export type JobSpec = Omit<ParsedSpec, 'blockSize'> & { blockSize: number };
/** `shardSize`: blocks per shard, or `auto` (the coordinator decides per collection). */
export type ShardSize = JobSpec['shardSize'];
export type Algorithm = JobSpec['algorithm'];
export type ModelSpec = JobSpec['model'];
export type TasksSpec = JobSpec['tasks'];
export type OmniglotTasksSpec = Extract<TasksSpec, { family: 'omniglot' }>;
export type ImageFolderTasksSpec = Extract<TasksSpec, { family: 'image-folder' }>;
export type CsvTasksSpec = Extract<TasksSpec, { family: 'csv' }>;
export type ResourcesSpec = JobSpec['resources'];
export type SinusoidTasksSpec = Extract<TasksSpec, { family: 'sinusoid' }>;
