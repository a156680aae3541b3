import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `pnpm bench <name>`: runs bench/<name>.ts. */
const name = process.argv[2];
const known = ['throughput', 'coordinator-overhead', 'end-to-end', 'scaling', 'local-steps', 'quality-sinusoid', 'quality-omniglot', 'results-tables', 'serve'];
if (!name || !known.includes(name)) {
  process.stderr.write(`usage: pnpm bench <${known.join('|')}> [args]\n`);
  process.exit(2);
}
const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...process.argv.slice(3)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
