import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RUN_FILES, storageKeys } from '@metatrain/core';

// A run directory (`train`, `local`) holds its job's keys at its top (storageKeys.runDirectory)
// and RUN_FILES. These helpers look at and clear exactly those entries, never anything else a
// user keeps in the directory.

/** A run directory's keys, for paths alone: the job's id is part of none of them. */
const LAYOUT = storageKeys.runDirectory('run');

/** A key as a path: a prefix loses its closing '/'. */
const asPath = (key: string) => key.replace(/\/$/, '');

/** The export directory of the run directory `dir`. */
export function runExportDir(dir: string): string {
  return join(dir, asPath(LAYOUT.export));
}

/** The top-level entries a run writes into its directory. */
function runEntries(): string[] {
  const top = [LAYOUT.spec, LAYOUT.latest, LAYOUT.checkpoints, LAYOUT.export].map(asPath);
  return [...top, ...Object.values(RUN_FILES)];
}

/** The run entries present in `dir` (none when it does not exist). */
async function runEntriesIn(dir: string): Promise<string[]> {
  const present = await Promise.all(runEntries().map((entry) => stat(join(dir, entry)).then(() => entry, () => undefined)));
  return present.filter((entry) => entry !== undefined);
}

/** Whether `dir` holds (part of) a run: a later run there would mix with it. */
export async function holdsRun(dir: string): Promise<boolean> {
  return (await runEntriesIn(dir)).length > 0;
}

/** Deletes the run in `dir`: its checkpoints, export, metrics and spec; nothing else. */
export async function clearRun(dir: string): Promise<void> {
  await Promise.all(runEntries().map((entry) => rm(join(dir, entry), { recursive: true, force: true })));
}

/** `base`, `base-2`, `base-3`, …: where the runs of one spec go when no --out is given. */
function numberedRunDir(base: string, n: number): string {
  return n === 1 ? base : `${base}-${n}`;
}

/** Runs of one spec beyond this many are an accident (a loop in a script), not a choice. */
const MAX_RUNS = 10_000;

/** The first of `base`, `base-2`, `base-3`, … that holds no run. */
export async function nextFreeRunDir(base: string): Promise<string> {
  for (let n = 1; n <= MAX_RUNS; n++) {
    const dir = numberedRunDir(base, n);
    if (!(await holdsRun(dir))) return dir;
  }
  throw new Error(`${base}: ${MAX_RUNS} runs already; choose a directory with --out`);
}

/** When the run in `dir` last wrote: the newest of its spec, LATEST and metrics.jsonl. */
async function lastWritten(dir: string): Promise<number> {
  const times = await Promise.all([LAYOUT.spec, LAYOUT.latest, RUN_FILES.metrics].map((entry) => stat(join(dir, entry)).then((s) => s.mtimeMs, () => 0)));
  return Math.max(...times);
}

/** The spec name a run directory's spec.json records, if it has one. */
async function storedName(dir: string): Promise<string | undefined> {
  try {
    const spec = JSON.parse(await readFile(join(dir, LAYOUT.spec), 'utf8')) as { name?: unknown };
    return typeof spec.name === 'string' ? spec.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The newest run of spec `name` among `base`, `base-2`, `base-3`, … (the one that wrote
 * last), or undefined. Directories of another spec (a spec named `<name>-2` has `base-2` too)
 * are passed over.
 */
export async function newestRunDir(base: string, name: string): Promise<string | undefined> {
  // Spec names are lowercase letters, digits and dashes: nothing to escape.
  const pattern = new RegExp(`^${basename(base)}(?:-(?:[2-9]|[1-9]\\d+))?$`);
  const siblings = await readdir(dirname(base)).catch(() => [] as string[]);
  let newest: { dir: string; time: number } | undefined;
  for (const entry of siblings.filter((e) => pattern.test(e))) {
    const dir = join(dirname(base), entry);
    if ((await storedName(dir)) !== name) continue;
    const time = await lastWritten(dir);
    if (!newest || time > newest.time) newest = { dir, time };
  }
  return newest?.dir;
}

