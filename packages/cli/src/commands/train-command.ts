import { UsageError } from '../cli-errors';
import { fetchSpecData } from '../data/cli-datasets';
import { parseFlags } from '../parse-flags';
import { loadSpec } from '../run/load-spec';
import { finishedRunReport } from '../run/run-report';
import { trainRun } from '../run/train-run';

/** `metatrain train <spec> [--out dir] [--resume]`: a whole job in this process. */
export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { out: { type: 'string' }, resume: { type: 'boolean', default: false } });
  const [specPath, ...extra] = positionals;
  if (!specPath || extra.length > 0) throw new UsageError('usage: metatrain train <spec.yaml> [--out <dir>] [--resume]');
  const { spec, baseDir } = await loadSpec(specPath);
  const files = await fetchSpecData(spec.tasks);
  const outDir = values.out ?? `runs/${spec.name}`;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    log('\nstopping with a checkpoint of the last complete round (Ctrl-C again to quit at once)…');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await trainRun({ spec, baseDir, files, outDir, resume: values.resume, log, stop: stop.signal });
    if (result.interrupted) return 130;
    process.stdout.write(await finishedRunReport(spec, { baseDir, files }, outDir, result.exportDir));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
