// The names of the compute backends and how a process says which one it runs, without loading
// TensorFlow.js (selecting one is @metatrain/metalearn's selectBackend).

/** The compute backends a worker can run on, fastest first (README.md, Backends). */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The environment variable that forces a backend (unset or empty: the fastest available). */
export const BACKEND_ENV = 'METATRAIN_BACKEND';

/** What `selectBackend` chose; reported by workers and shown by `metatrain workers`. */
export interface BackendInfo {
  name: BackendName;
  /** The npm package that provides the backend, when it is not the built-in cpu one. */
  package?: string;
  /** 'gpu' or 'cpu' for tensorflow, e.g. 'wasm (simd, 1 thread)' for wasm, 'cpu' for cpu. */
  device: string;
  /** Why a faster backend was not used; absent when nothing was skipped. */
  fallbackReason?: string;
}

/** A backend that was asked for (METATRAIN_BACKEND or `prefer`) cannot be used. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
}
