import { COORDINATOR_ENV_NAMES, coordinatorOptionsFromEnv } from '@metatrain/coordinator';
import { BACKEND_ENV, logFormatFromEnv } from '@metatrain/core';
import { SERVE_ENV_NAMES, serveOptionsFromEnv } from '@metatrain/serve';
import { fakeComputeFromEnv, testFaultsFromEnv, WORKER_ENV_NAMES, workerOptionsFromEnv } from '@metatrain/worker';
import { describe, expect, it } from 'vitest';

// The deployment tests check infra/ against COORDINATOR_ENV_NAMES and WORKER_ENV_NAMES. That
// is only sound if the readers read nothing else: here each reader gets an environment that
// records every name it looks up.

function recordingEnv(): { env: NodeJS.ProcessEnv; read: Set<string> } {
  const read = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_target, name) => {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
  });
  return { env, read };
}

describe('the environment lists', () => {
  it('hold every variable coordinatorOptionsFromEnv and logFormatFromEnv read, and they read all but the backend', () => {
    const { env, read } = recordingEnv();
    coordinatorOptionsFromEnv(env);
    logFormatFromEnv(env); // main.ts reads LOG_FORMAT
    expect([...read].filter((name) => !COORDINATOR_ENV_NAMES.includes(name))).toEqual([]);
    // METATRAIN_BACKEND is read by selectBackend when the coordinator starts.
    expect([...COORDINATOR_ENV_NAMES].filter((name) => !read.has(name))).toEqual([BACKEND_ENV]);
  });

  it('hold every variable workerOptionsFromEnv, testFaultsFromEnv, fakeComputeFromEnv and logFormatFromEnv read, and they read all but the log switch', () => {
    const { env, read } = recordingEnv();
    workerOptionsFromEnv(env);
    logFormatFromEnv(env);
    testFaultsFromEnv(env);
    fakeComputeFromEnv(env);
    expect([...read].filter((name) => !WORKER_ENV_NAMES.includes(name))).toEqual([]);
    expect([...WORKER_ENV_NAMES].filter((name) => !read.has(name))).toEqual(['METATRAIN_LOG']); // main.ts reads it
  });

  it('hold every variable serveOptionsFromEnv and logFormatFromEnv read', () => {
    const { env, read } = recordingEnv();
    serveOptionsFromEnv(env);
    logFormatFromEnv(env);
    expect([...read].filter((name) => !SERVE_ENV_NAMES.includes(name))).toEqual([]);
    // main.ts reads SERVE_MODELS, storage the other S3 settings (S3_SECRET_KEY is checked here), selectBackend METATRAIN_BACKEND.
    expect(SERVE_ENV_NAMES.filter((name) => !read.has(name))).toEqual(['SERVE_MODELS', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_REGION', BACKEND_ENV]);
  });
});
