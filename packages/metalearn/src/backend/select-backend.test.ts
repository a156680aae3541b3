import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendName, selectBackend } from './select-backend';
import { BackendError, SpecError } from '@metatrain/core';

/** Stands in for the native TensorFlow backend that tfjs-node registers. */
class FakeTensorflowBackend extends tf.KernelBackend {
  constructor(readonly isUsingGpuDevice: boolean) {
    super();
  }
  override dispose(): void {}
}

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /x.ts`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** An importModule that "installs" tfjs-node packages, each registering the backend as tfjs-node does. */
function fakeTfjsNode(installed: Record<string, { onGpu?: boolean; core?: string; loadError?: string }>) {
  return async (name: string): Promise<unknown> => {
    const pkg = installed[name];
    if (!pkg) throw notFound(name);
    if (pkg.loadError) throw new Error(pkg.loadError);
    tf.registerBackend('tensorflow', () => new FakeTensorflowBackend(pkg.onGpu ?? false), 3);
    return { version: { 'tfjs-core': pkg.core ?? tf.version_core } };
  };
}

describe('selectBackend', () => {
  const lines: string[] = [];
  const log = (line: string) => void lines.push(line);

  beforeEach(() => {
    lines.length = 0;
    vi.stubEnv('METATRAIN_BACKEND', '');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  });

  it('selects wasm on this machine and says why tensorflow was skipped', async () => {
    const listenersBefore = process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
    const info = await selectBackend({ log });
    expect(info.name).toBe('wasm');
    expect(info.package).toBe('@tensorflow/tfjs-backend-wasm');
    expect(info.device).toMatch(/^wasm \((simd|no simd), \d+ threads?\)$/);
    expect(info.fallbackReason).toBe('tfjs-node-gpu and tfjs-node not installed');
    expect(lines).toEqual([
      expect.stringMatching(/^backend: wasm, (simd|no simd), \d+ threads? \(tfjs-node-gpu and tfjs-node not installed\)$/),
    ]);
    expect(backendName()).toBe('wasm');
    expect(process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection')).toBe(
      listenersBefore,
    );
    expect(Array.from(tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(1))).dataSync())).toEqual([2, 3]);
  });

  it('METATRAIN_BACKEND=cpu selects cpu without the tfjs Node.js banner', async () => {
    vi.stubEnv('METATRAIN_BACKEND', 'cpu');
    const warn = vi.spyOn(console, 'warn');
    const info = await selectBackend({ log });
    expect(info).toEqual({ name: 'cpu', device: 'cpu' });
    expect(backendName()).toBe('cpu');
    expect(lines).toEqual(['backend: cpu (forced by METATRAIN_BACKEND)']);
    tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync());
    expect(warn.mock.calls.flat().join(' ')).not.toContain('looks like you are running TensorFlow.js in Node.js');
  });

  it('rejects an unknown METATRAIN_BACKEND, naming the variable', async () => {
    vi.stubEnv('METATRAIN_BACKEND', 'cuda');
    const err = await selectBackend({ log }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).field).toBe('METATRAIN_BACKEND');
    expect((err as Error).message).toMatch(/METATRAIN_BACKEND.*"cuda".*tensorflow, wasm, cpu/);
  });

  it('forcing tensorflow without tfjs-node fails with the reason', async () => {
    vi.stubEnv('METATRAIN_BACKEND', 'tensorflow');
    const err = await selectBackend({ log }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(
      /^METATRAIN_BACKEND=tensorflow, but it cannot be used: tfjs-node-gpu and tfjs-node not installed; install @tensorflow\/tfjs-node/,
    );
  });

  it('prefer overrides METATRAIN_BACKEND', async () => {
    vi.stubEnv('METATRAIN_BACKEND', 'wasm');
    const info = await selectBackend({ log, prefer: 'cpu' });
    expect(info.name).toBe('cpu');
    expect(lines).toEqual(['backend: cpu (forced by prefer)']);
  });

  it("names who preferred the backend (train's resources.backend) in the log line and in errors", async () => {
    vi.stubEnv('METATRAIN_BACKEND', 'wasm');
    expect((await selectBackend({ log, prefer: 'cpu', preferredBy: 'resources.backend' })).name).toBe('cpu');
    expect(lines).toEqual(['backend: cpu (forced by resources.backend)']);
    const err = await selectBackend({ log, prefer: 'tensorflow', preferredBy: 'resources.backend' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^resources\.backend=tensorflow, but it cannot be used: /);
  });

  it('prefers tfjs-node-gpu when it loads and registers on our tfjs', async () => {
    const importModule = fakeTfjsNode({ '@tensorflow/tfjs-node-gpu': { onGpu: true }, '@tensorflow/tfjs-node': {} });
    const info = await selectBackend({ log, importModule });
    expect(info).toEqual({ name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', device: 'gpu' });
    expect(backendName()).toBe('tensorflow');
    expect(lines).toEqual(['backend: tensorflow on gpu via @tensorflow/tfjs-node-gpu']);
  });

  it('falls back to tfjs-node when tfjs-node-gpu cannot load its CUDA libraries', async () => {
    const importModule = fakeTfjsNode({
      '@tensorflow/tfjs-node-gpu': { loadError: 'libcudart.so.11.0: cannot open shared object file\n  at x' },
      '@tensorflow/tfjs-node': {},
    });
    const info = await selectBackend({ log, importModule });
    expect(info).toMatchObject({ name: 'tensorflow', package: '@tensorflow/tfjs-node', device: 'cpu' });
    expect(info.fallbackReason).toBe('tfjs-node-gpu failed to load: libcudart.so.11.0: cannot open shared object file');
  });

  it('says so when tfjs-node-gpu finds no CUDA device and TensorFlow runs on the CPU', async () => {
    const importModule = fakeTfjsNode({ '@tensorflow/tfjs-node-gpu': { onGpu: false } });
    const info = await selectBackend({ log, importModule });
    expect(info).toEqual({
      name: 'tensorflow',
      package: '@tensorflow/tfjs-node-gpu',
      device: 'cpu',
      fallbackReason: 'tfjs-node-gpu sees no CUDA device',
    });
    expect(lines).toEqual(['backend: tensorflow on cpu via @tensorflow/tfjs-node-gpu (tfjs-node-gpu sees no CUDA device)']);
  });

  it('refuses a tfjs-node built for another tfjs-core and falls back to wasm', async () => {
    const importModule = fakeTfjsNode({ '@tensorflow/tfjs-node': { core: '3.0.0' } });
    const info = await selectBackend({ log, importModule });
    expect(info.name).toBe('wasm');
    expect(info.fallbackReason).toBe(
      `tfjs-node-gpu not installed; tfjs-node built for @tensorflow/tfjs-core 3.0.0, but this process uses ${tf.version_core}`,
    );
    expect(tf.findBackendFactory('tensorflow')).toBeNull();
  });

  it("leaves the process's own handlers in charge of unhandled rejections and exceptions", () => {
    const fixture = fileURLToPath(new URL('./fixtures/handled-errors.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', fixture], {
      encoding: 'utf8',
      env: { ...process.env, METATRAIN_BACKEND: '' },
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim().split('\n')).toEqual([
      'handled rejection: boom',
      'handled exception: bang',
      'still running on wasm',
    ]);
    expect(child.status).toBe(0);
  });
});
