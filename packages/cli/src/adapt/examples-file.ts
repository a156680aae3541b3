import { readFile } from 'node:fs/promises';
import { ExamplesError, isJsonExamples, parseExamplesCsv, parseExamplesJson, type RawExamples, type ReadExamplesOptions } from '@metatrain/core';
import { CliFailure, EXIT_USAGE } from '../cli-errors';

/** A mistake in a user's examples file: the file, the place and the reason; exit code 2. */
export function fileError(file: string, where: string, reason: string): CliFailure {
  return new CliFailure(new ExamplesError(file, where, reason).message, EXIT_USAGE);
}

/** An ExamplesError as the CLI reports it (exit code 2); anything else as it is. */
export function asUsageFailure(err: unknown): unknown {
  return err instanceof ExamplesError ? new CliFailure(err.message, EXIT_USAGE) : err;
}

/**
 * Reads a support or query file: JSON `{"inputs": [...], "targets": [...]}` or CSV with a
 * header whose last column is the target (`.json` / `.csv`; otherwise a file starting with
 * `{` is JSON). Every mistake names the file, the row or field, and the reason (exit code 2).
 */
export async function readExamplesFile(file: string, options: ReadExamplesOptions): Promise<RawExamples> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fileError(file, '', code === 'ENOENT' ? 'no such file' : `cannot read it (${String(code ?? err)})`);
  }
  try {
    return isJsonExamples(file, text) ? parseExamplesJson(file, text, options) : parseExamplesCsv(file, text, options);
  } catch (err) {
    throw asUsageFailure(err);
  }
}
