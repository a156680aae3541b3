import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { REPO_ROOT, runCli } from './support/run-cli';

// Every spec in examples/ runs as it is from a clone: examples/ and datasets/ are copied into
// an empty temp directory (so a path that only resolves beside this checkout, or into a
// directory a clone does not have, fails here), and `metatrain train` runs each spec there,
// shortened to two rounds with a checkpoint and an evaluation every round. The list is read
// from examples/, so a new example is covered without touching this file.

const EXAMPLES = readdirSync(join(REPO_ROOT, 'examples')).filter((f) => /\.ya?ml$/.test(f)).sort();
const ROUNDS = 2;

interface ExampleSpec {
  name: string;
  outer: { iterations: number };
  checkpoint?: { everyRounds?: number };
  eval?: { everyRounds?: number };
}

let clone: string;

beforeAll(async () => {
  clone = await mkdtemp(join(tmpdir(), 'metatrain-clone-'));
  for (const dir of ['examples', 'datasets']) await cp(join(REPO_ROOT, dir), join(clone, dir), { recursive: true });
});
afterAll(async () => {
  if (clone) await rm(clone, { recursive: true, force: true });
});

describe('examples/', () => {
  it('holds the examples the README names', () => {
    expect(EXAMPLES).toEqual(expect.arrayContaining(['sinusoid-maml.yaml', 'omniglot-protonet.yaml', 'house-prices-maml.yaml']));
  });

  it.each(EXAMPLES)('%s trains from a clone and exports', async (file) => {
    const spec = parse(await readFile(join(clone, 'examples', file), 'utf8')) as ExampleSpec;
    spec.outer.iterations = ROUNDS;
    spec.checkpoint = { ...spec.checkpoint, everyRounds: 1 };
    if (spec.eval) spec.eval.everyRounds = 1;
    // Beside the original, so its relative data paths resolve exactly as the example's do.
    const short = join(clone, 'examples', `${file.replace(/\.ya?ml$/, '')}.short.yaml`);
    await writeFile(short, stringify(spec));
    const out = join(clone, 'runs', spec.name);

    const result = await runCli(['train', short, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${ROUNDS} rounds`);
    const exported = join(out, 'export');
    for (const part of ['model.json', 'weights.bin', 'meta.json']) expect(existsSync(join(exported, part)), `${file}: export/${part}`).toBe(true);
    const rounds = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(rounds).toHaveLength(ROUNDS);
  });
});
