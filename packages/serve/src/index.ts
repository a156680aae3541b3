// Serving meta-models: an HTTP API that adapts an export to a user's few examples and predicts
// (`metatrain serve`), and the AdaptEngine underneath — compute threads that adapt concurrent
// requests for one model as one task-batched computation — which the coordinator's Adapt RPC
// uses too. The main thread loads metalearn only to read exports; it computes nothing.
export { AdaptEngine, compileAdaptEngineOptions } from './engine/adapt-engine';
export type { AdaptEngineOptions, CompiledAdaptEngineOptions } from './engine/adapt-engine';
export { ComputeError, DeadlineError, EngineClosedError, QueueFullError, ServeError } from './errors';
export { ExportSourceError, readExportFiles } from './models/export-source';
export type { ExportFiles } from './models/export-source';
export type { ServedModel } from './models/served-model';
export { compileServeOptions, SERVE_ENV, SERVE_ENV_NAMES, serveOptionsFromEnv } from './serve-options';
export type { CompiledServeOptions, ServeOptions } from './serve-options';
export { ServeServer } from './serve-server';
export { runServe } from './run-serve';
