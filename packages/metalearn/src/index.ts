// The meta-learning algorithms on TensorFlow.js: models with their forward pass, the shard
// computation every algorithm runs, held-out evaluation, adaptation of an export, and the
// export itself. Heavy: importing this loads TensorFlow.js. What needs no tensors (spec, task
// families, layouts, rounds, codec) is @metatrain/core.
export { createModel } from './models/create-model';
export type { FunctionalModel, TensorMap } from './models/model';

export { computeShard, createComputeContext } from './compute/compute-shard';
export type { BlockResult, ComputeContext } from './compute/compute-shard';
export { runRoundInProcess } from './compute/run-round-in-process';

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
export { computeEvalShard, evaluatePeriodic } from './eval/periodic-eval';
export type { EvalBlockResult } from './eval/periodic-eval';
export { adaptExport } from './eval/adapt-export';
export { adaptExportBatch, predictAdapted } from './adapt/adapt-batch';
export type { AdaptTaskOutcome } from './adapt/adapt-batch';
export { MAX_ADAPT_STEPS } from './adapt/adapt-types';
export type { AdaptedModel, AdaptExportOptions, AdaptExportResult, AdaptTask } from './adapt/adapt-types';
export { exportIo } from './eval/adapt-input';
export type { AdaptQuery, ExportIo } from './eval/adapt-input';

export { backendName, describeBackend, selectBackend } from './backend/select-backend';
export type { SelectBackendOptions } from './backend/select-backend';
