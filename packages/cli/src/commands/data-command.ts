import { datasetNames } from '@metatrain/core';
import { describeFetched, fetchDataset, verifyDataset } from '@metatrain/datasets';
import { UsageError } from '../cli-errors';
import { cliDatasetOptions } from '../data/cli-datasets';
import { formatDatasetTable, listDatasets } from '../data/data-list';
import { downloadBars } from '../data/download-bars';
import { renderTable } from '../jobs/table';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags } from '../parse-flags';

const USAGE = usageLine('data');

/** The names given, checked against the catalog (a wrong one is a usage error listing the known). */
function catalogNames(names: string[]): string[] {
  const known = datasetNames();
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new UsageError(`unknown dataset ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known: ${known.join(', ')}`);
  return [...new Set(names)];
}

/**
 * `metatrain data list|fetch|verify`: the catalog's datasets and where they are on this
 * machine (METATRAIN_DATA_DIR, the repository's shipped copy, the user cache); fetching them
 * (a download into the cache, with a progress bar, when no copy is here); checking every copy.
 */
export async function dataCommand(args: string[]): Promise<number> {
  const { values, positionals: words } = parseFlags(args, COMMAND_HELP.data.flags);
  const [sub, ...positionals] = words;
  if (values.json && sub !== 'list') throw new UsageError(`--json is for data list; ${USAGE}`);
  switch (sub) {
    case 'list':
      if (positionals.length > 0) throw new UsageError(USAGE);
      return dataList(values.json === true);
    case 'fetch':
      if (positionals.length === 0) throw new UsageError('usage: metatrain data fetch <name>... (metatrain data list names them)');
      return dataFetch(catalogNames(positionals));
    case 'verify':
      return dataVerify(positionals.length > 0 ? catalogNames(positionals) : datasetNames());
    default:
      throw new UsageError(sub === undefined ? USAGE : `unknown data command '${sub}'; ${USAGE}`);
  }
}

async function dataList(json: boolean): Promise<number> {
  const datasets = await listDatasets(cliDatasetOptions(downloadBars()));
  process.stdout.write(json ? `${JSON.stringify(datasets, null, 2)}\n` : formatDatasetTable(datasets));
  return 0;
}

/** Prints each file's local path on stdout (one per line, for scripts), how it was had on stderr. */
async function dataFetch(names: string[]): Promise<number> {
  const bars = downloadBars();
  try {
    for (const name of names) {
      for (const file of await fetchDataset(name, cliDatasetOptions(bars))) {
        process.stderr.write(`${describeFetched(file)}\n`);
        process.stdout.write(`${file.path}\n`);
      }
    }
  } finally {
    bars.close();
  }
  return 0;
}

/** A row per copy present (and per file with none); exit 1 naming each copy that fails. */
async function dataVerify(names: string[]): Promise<number> {
  const rows: string[][] = [];
  const failures: string[] = [];
  for (const name of names) {
    const report = await verifyDataset(name, cliDatasetOptions(downloadBars()));
    for (const copy of report.copies) {
      rows.push([name, copy.file, copy.place, copy.state, copy.detail, copy.path]);
      if (copy.state === 'failed') failures.push(`${name}: ${copy.path} (${copy.place}) fails its check: ${copy.detail}`);
    }
    for (const file of report.missing) rows.push([name, file, 'not fetched', '-', '', '']);
  }
  process.stdout.write(renderTable(['dataset', 'file', 'where', 'state', 'detail', 'path'], rows));
  for (const line of failures) process.stderr.write(`error: ${line}\n`);
  return failures.length > 0 ? 1 : 0;
}
