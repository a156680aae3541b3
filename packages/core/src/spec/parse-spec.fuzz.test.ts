import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { SpecError, SpecErrors } from '../errors';
import { createJobSetup } from '../job-setup';
import { createTaskFamily } from '../tasks/create-task-family';
import { pngFromRgba, writeTree } from '../testing/image-files';
import { parseSpecText, validateSpec } from './parse-spec';
import type { JobSpec } from './schema';

// A spec arrives as text from anyone who can reach SubmitJob. Whatever it holds, validation
// (parsing, the schema, and building the task family and model as SubmitJob does) ends in a
// JobSpec or in SpecError(s) naming fields, never in another exception. Fixed seeds keep runs
// reproducible; a failure prints its counterexample.
const RUNS = { numRuns: 2000, seed: 7_350_123 };

const dir = mkdtempSync(join(tmpdir(), 'metatrain-spec-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A real table, so near-valid csv specs get past the file into the column and size checks.
writeFileSync(join(dir, 'cities.csv'), ['city,rooms,area,price', ...Array.from({ length: 40 }, (_, i) => `c${i % 8},${i % 5},${50 + i},${100 + 3 * i}`)].join('\n'));
// A real image folder (6 classes of 4 tiny PNGs), so near-valid image-folder specs get past the files too.
writeTree(join(dir, 'shapes'), Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`class${i % 6}/${i}.png`, pngFromRgba(3, 2, Array.from({ length: 24 }, (_, k) => (i * 40 + k * 9) % 256), 6)])));

/** Runs SubmitJob's validation of `text`; a SpecError(s) is a refusal, anything else escapes. */
function validate(text: string): JobSpec | SpecErrors | SpecError {
  try {
    const spec = parseSpecText(text);
    // Counts only: the family reads its data, the model is a layout; no tensors are made.
    createJobSetup(spec, createTaskFamily(spec.tasks, { baseDir: dir }));
    return spec;
  } catch (err) {
    if (err instanceof SpecErrors || err instanceof SpecError) return err;
    throw err;
  }
}

/** A refusal names a field and a reason for every problem; an acceptance is a spec that validates again unchanged. */
function checkAnswer(answer: JobSpec | SpecErrors | SpecError): void {
  if (answer instanceof SpecErrors) {
    expect(answer.errors.length).toBeGreaterThan(0);
    for (const e of answer.errors) expect(e.field !== '' && e.reason !== '').toBe(true);
  } else if (answer instanceof SpecError) {
    expect(answer.field !== '' && answer.reason !== '').toBe(true);
  } else {
    expect(validateSpec(answer)).toEqual(answer);
  }
}

const BASES: Array<Record<string, unknown>> = [
  {
    name: 'sinusoid-maml',
    algorithm: 'maml',
    model: { kind: 'mlp', hidden: [40, 40], activation: 'relu' },
    tasks: { family: 'sinusoid', shots: 5, queryShots: 10 },
    inner: { steps: 1, lr: 0.01, firstOrder: false },
    outer: { optimizer: 'adam', lr: 0.001, metaBatchSize: 25, iterations: 100 },
    blockSize: 5,
    shardSize: 2,
    checkpoint: { everyRounds: 50, keep: 3 },
    seed: 1,
  },
  {
    name: 'cities',
    algorithm: 'reptile',
    model: { kind: 'mlp', hidden: [16] },
    tasks: { family: 'csv', path: 'cities.csv', taskColumn: 'city', target: 'price', features: ['rooms', 'area'], shots: 2, queryShots: 2 },
    outer: { optimizer: 'sgd', lr: 0.1, metaBatchSize: 4, iterations: 10, anneal: 'linear' },
    eval: { everyRounds: 5, tasks: 10 },
  },
  {
    name: 'omniglot-protonet',
    algorithm: 'protonet',
    model: { kind: 'conv4', channels: 64 },
    tasks: { family: 'omniglot', path: ['missing.zip'], ways: 5, shots: 1, split: { by: 'character', testFraction: 0.2 } },
    outer: { lr: 0.001, metaBatchSize: 32, iterations: 10 },
  },
  {
    name: 'shapes-protonet',
    algorithm: 'protonet',
    model: { kind: 'conv4', channels: 8 },
    tasks: { family: 'image-folder', path: 'shapes', ways: 2, shots: 1, queryShots: 2, imageSize: 16, channels: 3, split: { testFraction: 0.4 } },
    outer: { lr: 0.001, metaBatchSize: 2, iterations: 10 },
  },
];

/** Every path into an object (keys and array indices), to aim mutations at real fields. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

const weird = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -1, 1e308, -1e-308, 2 ** 31, 2 ** 53 + 2, Number.NaN, Infinity, -Infinity),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('maml', 'mlp', 'conv4', 'sinusoid', 'omniglot', 'image-folder', 'csv', 'adam', 'city', 'price', '', '__proto__', 'constructor'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 50 }), fc.string({ maxLength: 3 })), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
);

/** Set (or delete, or add beside) the value at `path`. */
function mutate(spec: Record<string, unknown>, path: Array<string | number>, op: 'set' | 'delete' | 'add', value: unknown, key: string): Record<string, unknown> {
  const copy = structuredClone(spec);
  if (path.length === 0) return op === 'add' ? { ...copy, [key]: value } : copy;
  let parent: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (op === 'delete') delete parent[last];
  else if (op === 'set') parent[last] = value;
  else if (parent[last] !== null && typeof parent[last] === 'object' && !Array.isArray(parent[last])) (parent[last] as Record<string, unknown>)[key] = value;
  return copy;
}

const nearValid = fc
  .record({ base: fc.constantFrom(...BASES), edits: fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'set', 'delete', 'add'), weird, fc.constantFrom('extra', 'lr', 'kind', 'shots', 'x')), { minLength: 1, maxLength: 3 }) })
  .map(({ base, edits }) =>
    edits.reduce((spec, [at, op, value, key]) => {
      const targets = paths(spec);
      return mutate(spec, targets[at % targets.length] ?? [], op as 'set' | 'delete' | 'add', value, key);
    }, base),
  );

const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom('name:', 'algorithm:', 'model:', 'tasks:', 'outer:', 'inner:', 'lr:', 'kind:', 'family:', 'shots:', 'hidden:'),
      fc.constantFrom('{', '}', '[', ']', ':', ',', '- ', '\n', '\n  ', '  ', '"', "'", '#', '|', '>', '? ', '&a ', '*a', '!!int ', '!!binary ', '!!map ', '<<: ', '%YAML 1.2\n---\n', '...\n'),
      fc.constantFrom('maml', 'mlp', 'sinusoid', '0.01', '.inf', '-.inf', '.nan', '1e400', '0x1F', '~', 'null', 'true', '__proto__', '5', '-3'),
      fc.string({ maxLength: 5 }),
    ),
    { maxLength: 40 },
  )
  .map((tokens) => tokens.join(' '));

describe('spec parser fuzz', () => {
  it('arbitrary text is a spec or SpecErrors', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), yamlish), (text) => checkAnswer(validate(text))),
      RUNS,
    );
  });

  it('arbitrary JSON is a spec or SpecErrors', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => checkAnswer(validate(JSON.stringify(value) ?? 'null'))),
      RUNS,
    );
  });

  it('valid specs with up to three fields changed, as JSON or YAML, are a spec or SpecErrors naming fields', () => {
    let refused = 0;
    fc.assert(
      fc.property(nearValid, fc.boolean(), (spec, asYaml) => {
        const answer = validate(asYaml ? toYaml(spec) : JSON.stringify(spec));
        if (!(answer instanceof Error)) return checkAnswer(answer);
        refused += 1;
        checkAnswer(answer);
      }),
      RUNS,
    );
    // Most edits break something; a generator that never produced a refusal would test nothing.
    expect(refused).toBeGreaterThan(RUNS.numRuns / 4);
  });

  it('the unchanged bases are accepted, but for the one whose dataset is missing', () => {
    const [sinusoid, csv, omniglot, imageFolder] = BASES.map((b) => validate(JSON.stringify(b)));
    expect(sinusoid).not.toBeInstanceOf(Error);
    expect(csv).not.toBeInstanceOf(Error);
    expect(imageFolder).not.toBeInstanceOf(Error);
    expect(omniglot).toBeInstanceOf(SpecError);
    expect((omniglot as SpecError).field).toBe('tasks.path[0]');
  });

  it('names keys that are not plain names quoted (found by the fuzzer: an empty key named no field)', () => {
    const answer = validate(JSON.stringify({ ...BASES[0], '': 0, tasks: { family: 'sinusoid', shots: 5, 'a b': 1 } }));
    expect(answer).toBeInstanceOf(SpecErrors);
    expect((answer as SpecErrors).errors.map((e) => e.message).sort()).toEqual(['"": unknown key', 'tasks."a b": unknown key']);
  });
});
