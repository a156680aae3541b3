import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SINE_SPEC, writeTrainedExport } from '@metatrain/serve/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './support/run-cli';

let dir: string;
let run: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-cli-serve-'));
  run = await writeTrainedExport(dir, SINE_SPEC, 1);
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('metatrain serve', () => {
  it('serves a run directory until SIGTERM, then exits 0', async () => {
    const { child, done } = startCli(['serve', `mine=${run}`, '--port', '0', '--host', '127.0.0.1', '--threads', '1']);
    try {
      let stderr = '';
      const base = await new Promise<string>((resolve, reject) => {
        child.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(stderr);
          if (m) resolve(m[1] as string);
        });
        child.once('exit', () => reject(new Error(stderr)));
      });
      expect(stderr).toMatch(/serve: model mine \(maml, sinusoid\) from file:\/\/.*\/sine\/export\//);
      const response = await fetch(`${base}/v1/models/mine:predict`, { method: 'POST', body: JSON.stringify({ support: { inputs: [1, 2], targets: [0.5, 0.7] }, query: { inputs: [1.5] } }) });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { predictions: number[] }).predictions).toHaveLength(1);
      child.kill('SIGTERM');
      const result = await done;
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('serve: SIGTERM; finishing requests in flight and stopping');
    } finally {
      // A failed assertion must not leave the server running.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('refuses a directory without an export (exit 2) and a missing argument', async () => {
    const none = await runCli(['serve', dir, '--port', '0']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`error: ${dir} holds no export (no meta.json, nor export/meta.json); train the job to the end first`);
    const usage = await runCli(['serve']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: metatrain serve <runDir|exportDir|s3://bucket/prefix>...");
  }, 60_000);
});
