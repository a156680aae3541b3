import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './run-cli';

// Reads the log that load-log.mjs writes in a process's main thread: what it loaded of
// TensorFlow.js, and through which imports light code reached it.

const PRELOAD = new URL('./load-log.mjs', import.meta.url).href;

/** The environment variable naming the log file (read by load-log.mjs). */
export const LOAD_LOG_ENV = 'METATRAIN_LOAD_LOG';

/** Node's arguments that run `main` through tsx with the load log (after tsx, so its hooks see specifiers as written). */
export const withLoadLog = (main: string): string[] => ['--import', 'tsx', '--import', PRELOAD, main];

/** What a process's main thread loaded, from its log. */
export interface HeavyLoads {
  /** The process ran its 'exit' handlers, so the log is complete. */
  exited: boolean;
  /** TensorFlow.js's engine existed in the main thread at exit. */
  tfjsEngine: boolean;
  /** Modules of @tensorflow/* it loaded (package-relative paths). */
  tfjsModules: string[];
  /** The imports by which code outside metalearn reached metalearn or TensorFlow.js: `file → specifier`. */
  via: string[];
}

const isTfjs = (url: string): boolean => url.includes('/node_modules/@tensorflow/');
const isHeavy = (url: string): boolean => isTfjs(url) || url.includes('/packages/metalearn/');

/** A URL as a short path: repository-relative, or from the last node_modules/ on. */
function shortName(url: string): string {
  if (!url.startsWith('file:')) return url;
  const path = fileURLToPath(url);
  const modules = path.lastIndexOf('/node_modules/');
  return modules >= 0 ? path.slice(modules + '/node_modules/'.length) : relative(REPO_ROOT, path);
}

type Entry = { parent?: string; specifier: string; url: string } | { load: string } | { exit: true; tfjsEngine: boolean };

/** Reads the log file written by a process started with {@link withLoadLog}. */
export async function readHeavyLoads(file: string): Promise<HeavyLoads> {
  const entries = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Entry);
  const exit = entries.find((e): e is { exit: true; tfjsEngine: boolean } => 'exit' in e);
  const loads = entries.flatMap((e) => ('load' in e ? [e.load] : []));
  const via = entries.flatMap((e) => ('url' in e && e.parent && isHeavy(e.url) && !isHeavy(e.parent) ? [`${shortName(e.parent)} → ${e.specifier}`] : []));
  return { exited: exit !== undefined, tfjsEngine: exit?.tfjsEngine ?? false, tfjsModules: [...new Set(loads.filter(isTfjs).map(shortName))], via: [...new Set(via)] };
}
