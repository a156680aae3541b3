import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type JobSpec, parseSpecText } from '@metatrain/core';
import { CliFailure, EXIT_USAGE } from '../cli-errors';

/** Reads and validates a spec file; relative data paths in it resolve against its directory. `text` is the file as read. */
export async function loadSpec(path: string): Promise<{ spec: JobSpec; baseDir: string; text: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliFailure(`cannot read spec ${path}: ${code === 'ENOENT' ? 'no such file' : String(code ?? err)}`, EXIT_USAGE);
  }
  return { spec: parseSpecText(text), baseDir: dirname(resolve(path)), text };
}
