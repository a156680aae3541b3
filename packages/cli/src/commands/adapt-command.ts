import { stat } from 'node:fs/promises';
import { adaptLocally, type AdaptInputs } from '../adapt/local-adapt';
import { adaptRemotely } from '../adapt/remote-adapt';
import { formatAdaptReport, writePredictions } from '../adapt/adapt-outcome';
import { CliFailure, EXIT_USAGE, UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags, positiveInt } from '../parse-flags';
import { findExportDir } from '../run/find-export';

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number, got '${value}'`);
  return n;
}

/** A path rather than a job id: job ids are names with a suffix, never with a slash or a leading dot. */
const looksLikePath = (target: string) => /[/\\]/.test(target) || target.startsWith('.');

/**
 * `metatrain adapt <exportDir|job> --support <file> --query <file>`: few-shot adaptation of a
 * trained meta-model to the user's own task. An export directory (or a `train --out` run
 * directory) adapts in this process; a job id asks the coordinator (Adapt RPC). Prints the
 * support loss of every step and the query loss (and accuracy) before and after; --out
 * writes the predictions.
 */
export async function adaptCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.adapt.flags);
  const [target, ...extra] = positionals;
  if (!target || extra.length > 0) throw new UsageError(usageLine('adapt'));
  if (values.support === undefined) throw new UsageError('--support <file> is required');
  if (values.query === undefined) throw new UsageError('--query <file> is required');
  const inputs: AdaptInputs = {
    supportFile: values.support,
    queryFile: values.query,
    ...(values.steps === undefined ? {} : { steps: positiveInt('steps', values.steps, 1) }),
    ...(values.lr === undefined ? {} : { lr: positiveNumber('lr', values.lr) }),
  };
  const local = await stat(target).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!local && looksLikePath(target)) throw new CliFailure(`${target}: no such directory`, EXIT_USAGE);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const outcome = local
    ? await adaptLocally(await findExportDir(target), inputs, log)
    : await withJobClient(values.coordinator, (client) => adaptRemotely(client, target, inputs));
  process.stdout.write(formatAdaptReport(outcome));
  if (values.out !== undefined) {
    await writePredictions(values.out, outcome);
    process.stderr.write(`predictions for ${outcome.queryExamples} query examples written to ${values.out}\n`);
  } else {
    process.stderr.write('(--out <file.json> writes the predictions)\n');
  }
  return 0;
}
