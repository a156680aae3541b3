import { UsageError } from '../cli-errors';
import { fetchSpecData } from '../data/cli-datasets';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags } from '../parse-flags';
import { loadSpec } from '../run/load-spec';
import { placeRun } from '../run/place-run';
import { finishedRunReport } from '../run/run-report';
import { trainRun } from '../run/train-run';

/** `metatrain train <spec> [--out dir] [--resume | --force]`: a whole job in this process. */
export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.train.flags);
  const [specPath, ...extra] = positionals;
  if (!specPath || extra.length > 0) throw new UsageError(usageLine('train'));
  const { spec, baseDir } = await loadSpec(specPath);
  const files = await fetchSpecData(spec.tasks);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const place = await placeRun({ name: spec.name, out: values.out, resume: values.resume === true, force: values.force === true, log });
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    log('\nstopping with a checkpoint of the last complete round (Ctrl-C again to quit at once)…');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await trainRun({ spec, baseDir, files, place, log, stop: stop.signal });
    if (result.interrupted) return 130;
    process.stdout.write(await finishedRunReport(spec, { baseDir, files }, result.outDir, result.exportDir));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
