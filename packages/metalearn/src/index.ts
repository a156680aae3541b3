// The maths of meta-learning: no network or storage client imports (DESIGN.md §1).
export { CheckpointError, DecodeError, InputError, SpecError, SpecErrors } from './errors';
export { Purpose, Rng } from './rng/counter-rng';
export { cloneParams, findParam, flatten, paramsEqual, sizeOf, totalSize, zerosLike } from './params';
export type { NamedArray, ParamSet } from './params';

export { parseSpecText, validateSpec } from './spec/parse-spec';
export { jobSpecSchema } from './spec/schema';
export type { Algorithm, CsvTasksSpec, JobSpec, JobSpecInput, ModelSpec, OmniglotTasksSpec, SinusoidTasksSpec, TasksSpec } from './spec/schema';

export type { Examples, Preprocessing, Task, TaskFamily, TaskKind, TaskSplit } from './tasks/task';
export { createTaskFamily, describeTaskFamily } from './tasks/create-task-family';
export type { TaskFamilyMeta, TaskFamilyOptions } from './tasks/create-task-family';
export { createSinusoidFamily, SINUSOID_RANGES, sampleSinusoid } from './tasks/sinusoid';
export type { SinusoidParams } from './tasks/sinusoid';
export { createOmniglotFamily } from './tasks/omniglot/omniglot-family';
export type { OmniglotFamilyOptions } from './tasks/omniglot/omniglot-family';
export { clearOmniglotCache } from './tasks/omniglot/dataset';
export { createCsvFamily } from './tasks/csv/csv-family';
export type { CsvFamilyOptions } from './tasks/csv/csv-family';
export { CsvSyntaxError, parseCsv } from './tasks/csv/parse-csv';
export type { CsvTable } from './tasks/csv/parse-csv';

export { createModel } from './models/create-model';
export type { FunctionalModel, ParamShape, TensorMap } from './models/model';

export { algorithmConfig } from './algorithms/algorithm-config';
export type { AlgorithmConfig } from './algorithms/algorithm-config';
export type { TaskMetrics } from './algorithms/batch-gradient';

export { initialOptimizerState, outerLr, outerStep } from './optimizers/outer-optimizer';
export type { OptimizerState } from './optimizers/outer-optimizer';

export { planShards } from './rounds/plan-round';
export type { ShardPlan } from './rounds/plan-round';
export { reduceShards } from './rounds/reduce-shards';
export { applyRound, summarize } from './rounds/apply-round';
export type { MetaState, RoundSummary } from './rounds/apply-round';

export { computeShard, createComputeContext, initialMetaParams, sampleTask } from './executor/compute-context';
export type { ComputeContext, ShardResult } from './executor/compute-context';
export { initialState, runRoundInProcess } from './executor/in-process-trainer';

export { exportModel } from './export/export-model';
export type { ExportInfo } from './export/export-model';
export type { ExportMeta } from './export/export-meta';
export { readExport } from './export/read-export';
export type { LoadedExport } from './export/read-export';

export { adaptAndPredict } from './eval/evaluate-tasks';
export { adaptationFor } from './eval/adaptation-for';
export type { AdaptedOutputs, Adaptation } from './eval/evaluate-tasks';
export { evaluateHeldOut, evaluateHeldOutTasks } from './eval/held-out';
export type { HeldOutOptions, HeldOutReport, HeldOutTaskResult, MetricCi, TaskRange } from './eval/held-out';
export { computeEvalShard, evalDue, evaluatePeriodic, planEvalShards, summarizeEval, TRAINING_EVAL_STREAM } from './eval/periodic-eval';
export type { EvalSummary, EvalTaskMetrics } from './eval/periodic-eval';
export { adaptExport, MAX_ADAPT_STEPS } from './eval/adapt-export';
export type { AdaptExportOptions, AdaptExportResult } from './eval/adapt-export';
export { exportIo } from './eval/adapt-input';
export type { AdaptQuery, ExportIo } from './eval/adapt-input';

export { decodeParams, encodeParams, sha256Hex } from './codec/tensor-codec';
export type { EncodedParams, LayoutEntry, TensorDType } from './codec/tensor-codec';
export { ChunkAssembler, MAX_CHUNK_BYTES, splitIntoChunks } from './codec/chunks';
export { bytesLEToFloat32, bytesLEToInt32, wordsToBytesLE } from './codec/word-bytes';
export type { Chunk, ChunkAssemblerOptions } from './codec/chunks';

export { BACKEND_ENV, BACKEND_NAMES, BackendError, backendName, describeBackend, selectBackend } from './backend/select-backend';
export type { BackendInfo, BackendName, SelectBackendOptions } from './backend/select-backend';
export { assertValidKey } from './checkpoints/blob-store';
export type { BlobStore } from './checkpoints/blob-store';
export { CheckpointStore } from './checkpoints/checkpoint-store';
export type { Checkpoint, CheckpointStoreOptions } from './checkpoints/checkpoint-store';
export { DirectoryStore } from './checkpoints/directory-store';
export { fromCheckpoint, toCheckpoint } from './checkpoints/meta-checkpoint';
export { MemoryStore } from './checkpoints/memory-store';
export { decodeNamedArrays, encodeNamedArrays } from './checkpoints/named-arrays';
export { accuracy, macroF1, meanCi95 } from './eval/stats';
export type { MeanCi } from './eval/stats';
