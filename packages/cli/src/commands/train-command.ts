import { UsageError } from '../cli-errors';
import { parseFlags } from '../parse-flags';
import { formatReport } from '../run/format-report';
import { loadSpec } from '../run/load-spec';
import { trainRun } from '../run/train-run';

/** `metatrain train <spec> [--out dir] [--resume]`: a whole job in this process. */
export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { out: { type: 'string' }, resume: { type: 'boolean', default: false } });
  const [specPath, ...extra] = positionals;
  if (!specPath || extra.length > 0) throw new UsageError('usage: metatrain train <spec.yaml> [--out <dir>] [--resume]');
  const { spec, baseDir } = await loadSpec(specPath);
  const outDir = values.out ?? `runs/${spec.name}`;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    log('\nstopping after this round (Ctrl-C again to quit at once)…');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const result = await trainRun({ spec, baseDir, outDir, resume: values.resume, log, shouldStop: () => stopRequested });
    if (result.interrupted) return 130;
    process.stdout.write(formatReport(spec, outDir, { ...result, rounds: result.state.round }));
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
