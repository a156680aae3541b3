import type { AdaptedModel, AdaptExportResult, AdaptTask, LoadedExport } from '@metatrain/metalearn';

/** What a serve compute thread is started with. */
export interface ServeThreadData {
  entry: string;
  /** tsx's ESM API, when the entry is TypeScript */
  tsx: string | undefined;
}

/** Main thread → compute thread. Messages are handled in order: a model is loaded before the work that names it. */
export type ToThread =
  | { kind: 'load'; key: string; loaded: LoadedExport }
  | { kind: 'unload'; key: string }
  | { kind: 'adapt'; id: number; key: string; tasks: AdaptTask[] }
  | { kind: 'predict'; id: number; key: string; adapted: AdaptedModel; x: Float32Array; n: number };

/** A task's answer from the thread: its result, or the field its input got wrong. */
export type ThreadOutcome = { ok: true; result: AdaptExportResult } | { ok: false; field: string; reason: string };

export type PredictResult = Pick<AdaptExportResult, 'predictions' | 'predictionWidth' | 'predictedClasses'>;

/** Compute thread → main thread. */
export type FromThread =
  | { kind: 'ready'; backend: string }
  | { kind: 'init-failed'; message: string }
  | { kind: 'log'; line: string }
  | { kind: 'adapted'; id: number; outcomes: ThreadOutcome[]; computeMs: number }
  | { kind: 'predicted'; id: number; outcome: { ok: true; result: PredictResult } | { ok: false; field: string; reason: string } }
  | { kind: 'failed'; id: number; message: string };
