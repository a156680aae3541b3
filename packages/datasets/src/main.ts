// `node --import tsx packages/datasets/src/main.ts fetch [<name>...]`: what `metatrain data
// fetch` does, for the container images, which carry the coordinator or the worker but not the
// CLI. With no names it fetches those METATRAIN_PREFETCH_DATASETS lists: the init containers of
// infra/k8s/components/dataset-prefetch run it so. Each file's path goes to stdout, how it was
// had to stderr; exit 1 naming a dataset that cannot be had, 2 for a wrong command line.
// Light: node built-ins, @metatrain/core and this package; no TensorFlow.js.
import { ConfigError } from '@metatrain/core';
import { datasetOptionsFromEnv } from './dataset-options';
import { DatasetError } from './errors';
import { catalogEntry, describeFetched, fetchDataset } from './fetch-dataset';
import { PREFETCH_ENV, prefetchNames } from './prefetch';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const USAGE = `usage: main.ts fetch [<name>...] (no names: the ones ${PREFETCH_ENV} lists, space-separated)`;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const names = command === 'fetch' ? prefetchNames(rest, process.env) : [];
  if (names.length === 0) {
    log(USAGE);
    return EXIT_USAGE;
  }
  for (const name of names) catalogEntry(name); // a misspelt name fails before any download
  const options = { ...datasetOptionsFromEnv(process.env), log };
  for (const name of names) {
    for (const file of await fetchDataset(name, options)) {
      log(describeFetched(file));
      process.stdout.write(`${file.path}\n`);
    }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (!(error instanceof DatasetError || error instanceof ConfigError)) throw error;
    log(`error: ${error.message}`);
    process.exitCode = error instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE;
  },
);
