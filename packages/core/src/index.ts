// What every process needs of a job without TensorFlow.js: the spec, errors, the RNG, the
// task families, model layouts, the tensor codec and the arithmetic of rounds; also how every
// process reads its settings (zod, errors naming the variable) and retries (one backoff loop).
// The CLI's job commands, the coordinator and the worker's main thread use this; computing
// blocks is @metatrain/metalearn's.
export { CheckpointError, ConfigError, DecodeError, InputError, SpecError, SpecErrors } from './errors';
export { Purpose, Rng } from './rng/counter-rng';
export { cloneParams, findParam, flatten, paramsEqual, sizeOf, totalSize, zerosLike } from './params';
export type { NamedArray, ParamSet } from './params';

export { parseSpecText, validateSpec } from './spec/parse-spec';
export { DATASETS, datasetKey, datasetNames, findDataset } from './datasets/catalog';
export type { DatasetEntry, DatasetFile } from './datasets/catalog';
export { datasetsOf } from './datasets/spec-datasets';
export { jobSpecSchema } from './spec/schema';
export type { Algorithm, CsvTasksSpec, ImageFolderTasksSpec, JobSpec, JobSpecInput, ModelSpec, OmniglotTasksSpec, ShardSize, ResourcesSpec, SinusoidTasksSpec, TasksSpec } from './spec/schema';

export type { Examples, Preprocessing, Task, TaskFamily, TaskKind, TaskSplit } from './tasks/task';
export { createTaskFamily, describeTaskFamily } from './tasks/create-task-family';
export type { TaskFamilyMeta, TaskFamilyOptions } from './tasks/create-task-family';
export { createSinusoidFamily, SINUSOID_RANGES, sampleSinusoid } from './tasks/sinusoid';
export type { SinusoidParams } from './tasks/sinusoid';
export { createOmniglotFamily } from './tasks/omniglot/omniglot-family';
export type { OmniglotFamilyOptions } from './tasks/omniglot/omniglot-family';
export { clearOmniglotCache } from './tasks/omniglot/dataset';
export { createImageFolderFamily } from './tasks/image-folder/image-folder-family';
export type { ImageFolderFamilyOptions } from './tasks/image-folder/image-folder-family';
export { clearImageFolderCache } from './tasks/image-folder/dataset';
export { createCsvFamily } from './tasks/csv/csv-family';
export type { CsvFamilyOptions } from './tasks/csv/csv-family';
export { CsvSyntaxError, parseCsv } from './tasks/csv/parse-csv';
export type { CsvTable } from './tasks/csv/parse-csv';

// A user's few-shot examples (support and query), as `metatrain adapt` and `metatrain serve` read them.
export { ExamplesError } from './examples/examples-error';
export { examplesFromJson, isJsonExamples, parseExamplesCsv, parseExamplesJson } from './examples/parse-examples';
export type { RawExamples, RawTarget, ReadExamplesOptions } from './examples/parse-examples';
export { resolveTargets } from './examples/resolve-targets';
export type { ResolvedTargets, TargetSpace } from './examples/resolve-targets';

export type { ModelLayout, ParamShape } from './models/model-layout';
export { mlpLayout } from './models/mlp-layout';
export type { DenseLayer, MlpLayout, MlpOptions } from './models/mlp-layout';
export { CONV4_BLOCKS, conv4Layout } from './models/conv4-layout';
export type { Conv4Layout, Conv4Options } from './models/conv4-layout';
export { createModelLayout } from './models/create-model-layout';
export { algorithmConfig, configForRound, LEARNED_LR_PREFIX, multiStepLossWeights } from './algorithms/algorithm-config';
export type { AlgorithmConfig } from './algorithms/algorithm-config';
export { createJobSetup, initialMetaParams, initialState, sampleTask } from './job-setup';
export type { JobLayout, JobSetup } from './job-setup';

export type { IndexedTaskMetrics, TaskMetrics } from './rounds/task-metrics';
export { initialOptimizerState, isOptimizerKind, outerLr, outerStep } from './rounds/outer-optimizer';
export type { OptimizerKind } from './rounds/outer-optimizer';
export { localStepsOf, roundOptimizer } from './rounds/local-steps';
export type { LocalSteps } from './rounds/local-steps';
export type { OptimizerState } from './rounds/outer-optimizer';
export { DEFAULT_BLOCKS_PER_ROUND, defaultBlockSize, planBlocks, SHARD_KINDS } from './rounds/plan-blocks';
export type { BlockPlan, ShardKind } from './rounds/plan-blocks';
export { blocksInRange, groupBlocks } from './rounds/block-range';
export type { BlockRange } from './rounds/block-range';
export { planCollectionBlocks, planRoundBlocks } from './rounds/collection-blocks';
export { reduceBlocks } from './rounds/reduce-blocks';
export { applyRound, summarize } from './rounds/apply-round';
export type { MetaState } from './rounds/apply-round';
export type { EvalMetrics, EvalSummary, RoundMetrics, RoundSummary } from './rounds/round-metrics';

export { planEvalBlocks, summarizeEval, TRAINING_EVAL_STREAM } from './evaluation/periodic-evaluation';
export type { EvalTaskMetrics } from './evaluation/periodic-evaluation';
export { accuracy, macroF1, meanCi95 } from './evaluation/stats';
export type { MeanCi } from './evaluation/stats';

export { decodeParams, encodeParams, sha256Hex } from './codec/tensor-codec';
export type { EncodedParams, LayoutEntry, TensorDType } from './codec/tensor-codec';
export { bytesLEToFloat32, bytesLEToInt32, wordsToBytesLE } from './codec/word-bytes';

export { CHECKPOINT_MANIFEST, CHECKPOINT_PARTS, dataKey, EXPORT_FILES, parseCheckpointEntry, parseHistoryChunk, RUN_FILES, storageKeys } from './storage-layout';
export type { CheckpointPart, ExportFile, JobKeys } from './storage-layout';
export { readFloat32LE, writeFloat32LE } from './codec/little-endian';
export { BACKEND_ENV, BACKEND_NAMES, BackendError } from './backend-info';
export type { BackendInfo, BackendName } from './backend-info';
export { DEFAULT_POOL, POOL_NAME_PATTERN, POOL_NAME_RULE } from './pools';

export { firstIssue, parseConfig, parseEnv } from './config/parse-config';
export type { Env, EnvFields, EnvOptions } from './config/parse-config';
export { gotInput, integerText, redisUrlSetting } from './config/settings';
export { MAKE_A_SECRET, refuseWeakSecrets, weakSecretReason } from './config/weak-secrets';
export type { SecretVariables } from './config/weak-secrets';
export { LOG_FORMAT_ENV, LOG_FORMATS, logFormatFromEnv, processLog } from './logging/log';
export type { Log, LogFields, LogFormat, LogLevel, LogRecord, ProcessLogOptions } from './logging/log';
export { backoffDelay } from './retry/backoff';
export type { Backoff } from './retry/backoff';
export { retry, RetryDeadlineError, sleep } from './retry/retry';
export type { RetryClock, RetryInfo, RetryPolicy } from './retry/retry';
export { resolveDataPath, STORED_DATA } from './tasks/data-path';
export type { DataLocation } from './tasks/data-path';
export { pinnedUrl } from './tasks/data-url';
export type { PinnedUrl } from './tasks/data-url';
export { dataReferences, withDataPaths } from './tasks/data-references';
export type { DataReference } from './tasks/data-references';
