import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ServiceProcess } from '@metatrain/cli';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBrowser, missingBrowserMessage } from './support/find-browser';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';
import { runCli } from './support/run-cli';
import { type CoordinatorProcess, startCoordinatorProcess, startWorkerProcess } from './support/services';

// The dashboard as a person sees it: a coordinator and a worker as OS processes (with a
// token), jobs submitted with the CLI, and the machine's Chromium or Chrome (headless, driven
// by playwright-core) on the pages. The job appears without a reload, its curve grows while
// rounds complete, the held-out evaluation is drawn, the worker is listed, and a second job
// is cancelled from the page after a confirmation. Screenshots land in test-artifacts/dashboard/.
// The browser is found by test/support/find-browser.ts (CHROME_PATH, the usual install
// locations, Playwright's cache); `pnpm test` installs Debian's chromium first where it may
// (scripts/ensure-chromium.ts). Without one this test fails, naming what to install.

// page.evaluate callbacks run in the browser; this is the part of its DOM they touch.
declare const document: { getElementById(id: string): { dataset: Record<string, string | undefined> } | null };

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/dashboard/', import.meta.url));
const TOKEN = 'browser-test-token-0d41e7';
const WORKER_ID = 'browser-worker-1';
const spec = (name: string, iterations: number) => `name: ${name}
algorithm: maml
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 10 }
inner: { steps: 1, lr: 0.02 }
outer: { lr: 0.01, metaBatchSize: 4, iterations: ${iterations} }
shardSize: 2
checkpoint: { everyRounds: 100, keep: 2 }
eval: { everyRounds: 50, tasks: 6 }
seed: 4
`;

let dir: string;
let redis: RedisTestServer;
let coordinator: CoordinatorProcess;
let worker: ServiceProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const dashboard = (path: string) => `http://${coordinator.http}/dashboard${path}`;

async function submit(name: string, iterations: number): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, spec(name, iterations));
  const result = await runCli(['submit', path, '--coordinator', coordinator.grpc], { METATRAIN_TOKEN: TOKEN });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** The number of rounds the meta-loss chart draws now. */
const points = (): Promise<number> => page.evaluate(() => Number(document.getElementById('chart-loss')?.dataset.points ?? 0));

beforeAll(async () => {
  // Before anything starts: a missing browser is a failure that says what to install, not a skip.
  const found = findBrowser();
  if (!found) throw new Error(missingBrowserMessage());
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'metatrain-dashboard-browser-'));
  redis = await startRedisServer();
  const shared = { REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: uniquePrefix('browser'), METATRAIN_TOKEN: TOKEN, METATRAIN_BACKEND: 'wasm' };
  coordinator = await startCoordinatorProcess({ ...shared, STORAGE_URL: pathToFileURL(join(dir, 'data')).href });
  worker = await startWorkerProcess({ ...shared, COORDINATOR_ADDR: coordinator.grpc, WORKER_ID });
  browser = await chromium.launch({
    executablePath: found.path,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.setDefaultTimeout(60_000);
});
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await coordinator?.stop();
  await redis?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the dashboard in Chromium', () => {
  it('logs in, shows a job appear and its curves grow live, the worker, and cancels a second job after confirming', async () => {
    await page.goto(dashboard('/'));
    expect(page.url()).toBe(dashboard('/login'));
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(dashboard('/'));
    await page.waitForSelector('#no-jobs:not([hidden])');

    // Submitted while the page is open: it arrives by server push, not by reloading.
    await page.evaluate(() => Object.assign(globalThis, { loadedOnce: true }));
    const watched = await submit('watched', 400);
    const row = page.locator(`#jobs tr[data-job-id="${watched}"]`);
    await row.waitFor();
    expect(await page.evaluate(() => (globalThis as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
    expect(await row.locator('td').nth(2).textContent()).toBe('maml');
    await page.screenshot({ path: join(ARTIFACTS, 'jobs.png') });

    await row.locator('a').click();
    await page.waitForURL(dashboard(`/jobs/${watched}`));
    await page.waitForSelector('#chart-loss[data-points]');
    const seen = [await points()];
    for (let i = 0; i < 2; i++) {
      await page.waitForFunction((before) => Number(document.getElementById('chart-loss')?.dataset.points) > before, seen[seen.length - 1] as number);
      seen.push(await points());
    }
    expect(seen[0]).toBeLessThan(400); // the curve grew while the job ran, not after the fact
    expect(seen[2]).toBeGreaterThan(seen[0] as number);

    await page.waitForSelector('#facts .state-SUCCEEDED', { timeout: 240_000 });
    expect(await points()).toBe(400);
    await page.waitForFunction(() => Number(document.getElementById('chart-eval')?.dataset.points) === 8); // versions 50 … 400
    expect(await page.textContent('#round')).toBe('400 / 400');
    await page.waitForSelector('#export a');
    expect(await page.locator('#export a').evaluateAll((links) => links.map((a) => a.textContent))).toEqual(['model.json', 'weights.bin', 'meta.json']);
    expect(await page.locator('#checkpoints tbody tr').first().textContent()).toContain('400');
    expect(await page.textContent('#spec')).toContain('name: watched');
    await page.screenshot({ path: join(ARTIFACTS, 'job.png'), fullPage: true });

    await page.click('a[href="/dashboard/workers"]');
    const workerRow = page.locator(`#workers tr[data-worker-id="${WORKER_ID}"]`);
    await workerRow.waitFor();
    expect(await workerRow.getAttribute('data-state')).toBe('ACTIVE');
    expect(await workerRow.locator('td').nth(2).textContent()).toBe('default'); // its pool
    expect(await workerRow.locator('td').nth(3).textContent()).toBe('wasm');
    expect(Number(await workerRow.locator('td').nth(6).textContent())).toBeGreaterThanOrEqual(800); // 400 rounds of 2 shards, plus evaluations
    await page.screenshot({ path: join(ARTIFACTS, 'workers.png') });

    const doomed = await submit('doomed', 100_000);
    await page.click('a[href="/dashboard/"]');
    const doomedRow = page.locator(`#jobs tr[data-job-id="${doomed}"][data-state="RUNNING"]`);
    await doomedRow.waitFor();
    // Dismissing the confirmation leaves the job alone; accepting it cancels the job.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.click(`button[data-cancel="${doomed}"]`);
    await page.waitForTimeout(500);
    expect(await page.locator(`#jobs tr[data-job-id="${doomed}"]`).getAttribute('data-state')).toBe('RUNNING');
    page.once('dialog', (dialog) => {
      expect(dialog.message()).toContain(doomed);
      void dialog.accept();
    });
    await page.click(`button[data-cancel="${doomed}"]`);
    await page.waitForSelector(`#jobs tr[data-job-id="${doomed}"][data-state="CANCELLED"]`);
    await page.screenshot({ path: join(ARTIFACTS, 'cancelled.png') });
    const status = await runCli(['status', doomed, '--json', '--coordinator', coordinator.grpc], { METATRAIN_TOKEN: TOKEN });
    expect((JSON.parse(status.stdout) as { state: string }).state).toBe('CANCELLED');
    expect(pageErrors).toEqual([]);
  });
});
