import { join } from 'node:path';
import { CliFailure, EXIT_USAGE, UsageError } from '../cli-errors';
import { clearRun, holdsRun, newestRunDir, nextFreeRunDir } from './run-directory';

/** Where a run goes, and what the job loop does with checkpoints it finds there. */
export interface RunPlacement {
  dir: string;
  existing: 'resume' | 'refuse';
}

export interface PlaceRunOptions {
  /** The spec's name: runs go to runs/<name>, runs/<name>-2, … */
  name: string;
  /** --out, when given. */
  out?: string;
  /** --resume; undefined for a command that has none (`local`), which then never suggests it. */
  resume?: boolean;
  /** --force. */
  force?: boolean;
  log: (line: string) => void;
}

/** Where runs go without --out, relative to the working directory. */
const RUNS_DIR = 'runs';

/** The failure of a run aimed at a directory that already holds one. */
export function runExistsFailure(dir: string, canResume: boolean): CliFailure {
  const choices = canResume ? 'pass --resume to continue it, --force to replace it' : 'pass --force to replace it';
  return new CliFailure(`${dir} already holds a run; ${choices}, or choose another --out`, EXIT_USAGE);
}

/**
 * Chooses the run directory of `train` or `local` (docs/CLI.md, "Run directories"):
 * - no --out: runs/<name>, or the next free runs/<name>-N when it holds a run (said on stderr);
 * - --out holding a run: refused, unless --resume (continue it) or --force (delete it first);
 * - --resume without --out: the newest runs/<name>[-N] of this spec (a fresh runs/<name> when none);
 * - --force without --out: runs/<name>, deleted first.
 * @throws UsageError for --resume with --force; CliFailure (exit 2) for an --out that holds a run
 */
export async function placeRun(options: PlaceRunOptions): Promise<RunPlacement> {
  const { name, out, resume = false, force = false, log } = options;
  if (resume && force) throw new UsageError('--resume and --force do not go together: --resume continues a run, --force deletes it');
  const base = join(RUNS_DIR, name);
  if (force) {
    const dir = out ?? base;
    if (await holdsRun(dir)) {
      await clearRun(dir);
      log(`--force: deleted the earlier run in ${dir}`);
    }
    return { dir, existing: 'refuse' };
  }
  if (out !== undefined) {
    if (!resume && (await holdsRun(out))) throw runExistsFailure(out, options.resume !== undefined);
    return { dir: out, existing: resume ? 'resume' : 'refuse' };
  }
  if (resume) {
    const newest = await newestRunDir(base, name);
    if (newest) {
      log(`continuing ${newest}, the newest run of '${name}'`);
      return { dir: newest, existing: 'resume' };
    }
    const dir = await nextFreeRunDir(base);
    log(`no earlier run of '${name}' in ${RUNS_DIR}/ to resume; starting one in ${dir}`);
    return { dir, existing: 'resume' };
  }
  const dir = await nextFreeRunDir(base);
  if (dir !== base) log(`${base} holds an earlier run; this one goes to ${dir}`);
  return { dir, existing: 'refuse' };
}
