import * as tf from '@tensorflow/tfjs';
// Importing the wasm package registers the 'wasm' backend factory on the shared engine.
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { removeListenersAddedSince, snapshotListeners } from './process-listeners';
import { BACKEND_ENV, BACKEND_NAMES, BackendError, type BackendInfo, type BackendName, SpecError } from '@metatrain/core';

export interface SelectBackendOptions {
  /**
   * Force one backend (tensorflow | wasm | cpu); overrides METATRAIN_BACKEND.
   * @default process.env.METATRAIN_BACKEND, else the fastest available
   */
  prefer?: string;
  /** Who asked for `prefer`, as errors and the log line name it. @default 'prefer' */
  preferredBy?: string;
  /** Receives one line saying what was chosen and why. @default writes to stderr */
  log?: (line: string) => void;
  /**
   * Loads a package by name. Tests replace it to simulate tfjs-node being installed.
   * @default a dynamic import()
   */
  importModule?: (specifier: string) => Promise<unknown>;
}

const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

interface Failure {
  what: string;
  reason: string;
}

/**
 * Chooses and activates the tfjs backend: tfjs-node-gpu → tfjs-node → wasm → cpu, or the one
 * forced by `prefer` / METATRAIN_BACKEND. Logs one line saying what was chosen and, when a
 * faster backend was skipped, why. Throws SpecError for an unknown backend name and
 * BackendError when a forced backend cannot be used.
 */
export async function selectBackend(opts: SelectBackendOptions = {}): Promise<BackendInfo> {
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const importModule = opts.importModule ?? defaultImport;
  const forced = parseForced(opts.prefer, process.env[BACKEND_ENV], opts.preferredBy);

  let info: BackendInfo;
  if (forced) {
    info = await selectForced(forced.name, forced.source, importModule);
  } else {
    const failures: Failure[] = [];
    info =
      (await tryTensorflow(importModule, failures)) ??
      (await tryWasm(failures)) ??
      (await useCpu());
    if (failures.length > 0) info.fallbackReason = joinFailures(failures, info.fallbackReason);
  }
  const why = forced ? `forced by ${forced.source}` : info.fallbackReason;
  log(`backend: ${describeBackend(info)}${why ? ` (${why})` : ''}`);
  return info;
}

/** The name of the active tfjs backend, or 'none' before one is initialised. */
export function backendName(): string {
  // Typed as string, but undefined until a backend has been initialised.
  return (tf.getBackend() as string | undefined) ?? 'none';
}

/** One short description: 'tensorflow on gpu via @tensorflow/tfjs-node-gpu', 'wasm, simd, 1 thread', 'cpu'. */
export function describeBackend(info: BackendInfo): string {
  if (info.name === 'tensorflow') return `tensorflow on ${info.device} via ${info.package ?? 'tfjs-node'}`;
  if (info.name === 'wasm') return info.device.replace(/^wasm \((.*)\)$/, 'wasm, $1');
  return 'cpu';
}

function parseForced(
  prefer: string | undefined,
  env: string | undefined,
  preferredBy = 'prefer',
): { name: BackendName; source: string } | undefined {
  const source = prefer !== undefined ? preferredBy : BACKEND_ENV;
  const raw = (prefer ?? env ?? '').trim().toLowerCase();
  if (raw === '') return undefined;
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) {
    const shown = prefer ?? env ?? '';
    throw new SpecError(source, `unknown backend "${shown}"; expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  return { name: raw as BackendName, source };
}

async function selectForced(
  name: BackendName,
  source: string,
  importModule: (specifier: string) => Promise<unknown>,
): Promise<BackendInfo> {
  const failures: Failure[] = [];
  if (name === 'cpu') return useCpu();
  const info = name === 'tensorflow' ? await tryTensorflow(importModule, failures) : await tryWasm(failures);
  if (info) return info;
  const hint =
    name === 'tensorflow'
      ? `; install @tensorflow/tfjs-node (or -gpu) ${tf.version_core} next to @tensorflow/tfjs`
      : '';
  throw new BackendError(`${source}=${name}, but it cannot be used: ${joinFailures(failures)}${hint}`);
}

async function tryTensorflow(
  importModule: (specifier: string) => Promise<unknown>,
  failures: Failure[],
): Promise<BackendInfo | undefined> {
  for (const pkg of TFJS_NODE_PACKAGES) {
    const what = pkg.slice('@tensorflow/'.length);
    let mod: unknown;
    try {
      mod = await importModule(pkg);
    } catch (err) {
      failures.push({ what, reason: isNotInstalled(err, pkg) ? 'not installed' : `failed to load: ${firstLine(err)}` });
      continue;
    }
    const problem = checkTfjsNodeModule(mod);
    if (problem) {
      failures.push({ what, reason: problem });
      // Importing tfjs-node registers and activates its backend; undo that.
      if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
      continue;
    }
    if (!(await tf.setBackend('tensorflow'))) {
      failures.push({ what, reason: 'failed to initialise' });
      tf.removeBackend('tensorflow');
      continue;
    }
    const backend = tf.backend() as { isUsingGpuDevice?: unknown };
    const onGpu = backend.isUsingGpuDevice === true;
    const info: BackendInfo = { name: 'tensorflow', package: pkg, device: onGpu ? 'gpu' : 'cpu' };
    if (pkg === '@tensorflow/tfjs-node-gpu' && !onGpu) info.fallbackReason = 'tfjs-node-gpu sees no CUDA device';
    return info;
  }
  return undefined;
}

/**
 * tfjs-node registers the 'tensorflow' backend on the @tensorflow/tfjs it requires itself. The
 * engine lives on globalThis, so registration is shared between copies, but a copy of another
 * version would run its kernels against our engine: refuse that.
 */
function checkTfjsNodeModule(mod: unknown): string | undefined {
  const version = (mod as { version?: Record<string, unknown> } | undefined)?.version;
  const core = version?.['tfjs-core'];
  if (typeof core === 'string' && core !== tf.version_core) {
    return `built for @tensorflow/tfjs-core ${core}, but this process uses ${tf.version_core}`;
  }
  if (!tf.findBackendFactory('tensorflow')) {
    return 'loaded, but registered no "tensorflow" backend on our @tensorflow/tfjs instance';
  }
  return undefined;
}

async function tryWasm(failures: Failure[]): Promise<BackendInfo | undefined> {
  // The Emscripten runtime adds 'uncaughtException'/'unhandledRejection' listeners that rethrow
  // (and print its minified source); take them out so the process's own handling stays in charge.
  const before = snapshotListeners();
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
  } finally {
    removeListenersAddedSince(before);
  }
  if (!ok) {
    failures.push({ what: 'wasm', reason: 'failed to initialise (see the warning above)' });
    return undefined;
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = getThreadsCount();
  const device = `wasm (${simd ? 'simd' : 'no simd'}, ${threads} thread${threads === 1 ? '' : 's'})`;
  return { name: 'wasm', package: WASM_PACKAGE, device };
}

async function useCpu(): Promise<BackendInfo> {
  if (!(await tf.setBackend('cpu'))) throw new BackendError('the built-in cpu backend failed to initialise');
  // The cpu backend prints a "Hi, looks like you are running TensorFlow.js in Node.js" banner on
  // its first tensor; we already logged the choice, so mark that first use as done.
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
  return { name: 'cpu', device: 'cpu' };
}

async function defaultImport(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

function isNotInstalled(err: unknown, pkg: string): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  // A missing dependency *inside* the package is a load failure, not "not installed".
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${pkg}'`);
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n', 1)[0] ?? '';
}

/** 'tfjs-node-gpu and tfjs-node not installed; wasm failed to initialise ...'. */
function joinFailures(failures: Failure[], extra?: string): string {
  const byReason = new Map<string, string[]>();
  for (const f of failures) byReason.set(f.reason, [...(byReason.get(f.reason) ?? []), f.what]);
  const parts = [...byReason].map(([reason, whats]) => `${whats.join(' and ')} ${reason}`);
  if (extra) parts.push(extra);
  return parts.join('; ');
}
