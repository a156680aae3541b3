import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The Secret committed in infra/k8s/base is a template: applied as it is, every process that
// reads it must stop at once with one line naming the variable, never run with it.

const TSX = import.meta.resolve('tsx');
const SECRET = parse(readFileSync(new URL('../../infra/k8s/base/secret.yaml', import.meta.url), 'utf8')) as { stringData: Record<string, string> };
const main = (pkg: string) => fileURLToPath(import.meta.resolve(`@metatrain/${pkg}/main`));

/** Runs `pkg`'s entry point with `env` over a clean environment: its exit code and stderr lines. */
function run(pkg: string, env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', TSX, main(pkg)], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (_error, _stdout, stderr) => {
      resolve({ code: child.exitCode, lines: stderr.split('\n').filter((l) => l !== '') });
    });
  });
}

const made = 'make one with `openssl rand -hex 32` (docs/DEPLOY.md, "Secrets")';
const placeholder = `is a placeholder or a well-known value, which anyone can guess; ${made}`;
const { METATRAIN_TOKEN, S3_SECRET_KEY, S3_ACCESS_KEY, REDIS_URL } = SECRET.stringData as Record<string, string>;

describe('the committed Secret template, applied as it is', () => {
  it('stops the coordinator (exit 2) naming METATRAIN_TOKEN, then S3_SECRET_KEY, then REDIS_URL', async () => {
    const base = { STORAGE_URL: 's3://metatrain', S3_ENDPOINT: 'http://127.0.0.1:1', S3_ACCESS_KEY: S3_ACCESS_KEY ?? '' };
    expect(await run('coordinator', { ...base, METATRAIN_TOKEN: METATRAIN_TOKEN ?? '', S3_SECRET_KEY: S3_SECRET_KEY ?? '', REDIS_URL: REDIS_URL ?? '' })).toEqual({
      code: 2,
      lines: [`coordinator: configuration error: METATRAIN_TOKEN: ${placeholder}`],
    });
    const token = 'c0ffee0d15ea5e0fba5eba11';
    expect(await run('coordinator', { ...base, METATRAIN_TOKEN: token, S3_SECRET_KEY: S3_SECRET_KEY ?? '' })).toEqual({ code: 2, lines: [`coordinator: configuration error: S3_SECRET_KEY: ${placeholder}`] });
    expect(await run('coordinator', { ...base, METATRAIN_TOKEN: token, S3_SECRET_KEY: token, REDIS_URL: REDIS_URL ?? '' })).toEqual({
      code: 2,
      lines: [`coordinator: configuration error: REDIS_URL: its password ${placeholder}, and give the same to Redis (requirepass)`],
    });
  }, 120_000);

  it('stops a worker (exit 2) naming METATRAIN_TOKEN, and an emptied token too', async () => {
    expect(await run('worker', { METATRAIN_TOKEN: METATRAIN_TOKEN ?? '', REDIS_URL: REDIS_URL ?? '' })).toEqual({ code: 2, lines: [`worker: configuration error: METATRAIN_TOKEN: ${placeholder}`] });
    expect(await run('worker', { METATRAIN_TOKEN: '' })).toEqual({ code: 2, lines: [`worker: configuration error: METATRAIN_TOKEN: is set but empty; ${made}`] });
  }, 120_000);

  it('stops serve (exit 2) naming METATRAIN_TOKEN', async () => {
    expect(await run('serve', { METATRAIN_TOKEN: METATRAIN_TOKEN ?? '', S3_SECRET_KEY: S3_SECRET_KEY ?? '', SERVE_MODELS: 's3://metatrain/jobs/x' })).toEqual({
      code: 2,
      lines: [`serve: configuration error: METATRAIN_TOKEN: ${placeholder}`],
    });
  }, 120_000);
});
