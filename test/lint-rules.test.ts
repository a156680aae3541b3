import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/run-cli';

// The architecture rules of eslint.config.js, each shown to fire on a small fake file placed
// where it would live (and shown to stay quiet on its allowed neighbour), so that a rule that
// silently stopped matching (a glob, a regex, a resolver) fails here instead of letting the
// boundary go.

const BOUNDARY_RULES = ['import-x/no-cycle', 'import-x/no-relative-packages', 'no-restricted-imports', '@typescript-eslint/no-restricted-imports'];

// Only the boundary rules run, without type information: they need none, and a fake file is
// in no tsconfig.
const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => BOUNDARY_RULES.includes(ruleId),
});

/** The rule ids (null for a parse error) reported on `code` as if it were the file at `path`. */
async function rulesFiring(path: string, code: string): Promise<Array<string | null>> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, path) });
  return (result?.messages ?? []).map((m) => m.ruleId);
}

interface Case {
  why: string;
  path: string;
  code: string;
  /** The rule that must fire, or undefined for an import that must pass. */
  fires: string | undefined;
}

const value = (specifier: string): string => `import { x } from '${specifier}';\nexport const y = x;\n`;

const cases: Case[] = [
  // (b) no deep imports across packages
  { why: "a package's files through its name", path: 'test/fake.test.ts', code: value('@metatrain/coordinator/src/queue/shard-queue'), fires: 'no-restricted-imports' },
  { why: "a process entry imported (it is for spawning)", path: 'packages/cli/src/fake.ts', code: value('@metatrain/coordinator/main'), fires: 'no-restricted-imports' },
  { why: 'a relative path from test/ into a package', path: 'test/fake.test.ts', code: value('../packages/coordinator/src/queue/testing/queue-probe'), fires: 'import-x/no-relative-packages' },
  { why: 'a relative path from one package into another', path: 'packages/worker/src/fake.ts', code: value('../../coordinator/src/coordinator'), fires: 'import-x/no-relative-packages' },
  { why: 'a relative path inside its own package', path: 'packages/worker/src/fake.ts', code: value('./worker'), fires: undefined },
  { why: 'a testing export from a test', path: 'test/fake.test.ts', code: value('@metatrain/coordinator/testing'), fires: undefined },
  { why: "job-loop's in-process entry", path: 'packages/cli/src/fake.ts', code: value('@metatrain/job-loop/in-process'), fires: undefined },
  // (c) the package direction
  { why: 'core importing one of our packages', path: 'packages/core/src/fake.ts', code: value('@metatrain/storage'), fires: 'no-restricted-imports' },
  { why: 'core importing TensorFlow.js', path: 'packages/core/src/fake.ts', code: value('@tensorflow/tfjs'), fires: 'no-restricted-imports' },
  { why: 'contract importing storage', path: 'packages/contract/src/fake.ts', code: value('@metatrain/storage'), fires: 'no-restricted-imports' },
  { why: 'storage importing contract', path: 'packages/storage/src/fake.ts', code: value('@metatrain/contract'), fires: 'no-restricted-imports' },
  { why: 'storage importing core', path: 'packages/storage/src/fake.ts', code: value('@metatrain/core'), fires: undefined },
  { why: 'http importing core', path: 'packages/http/src/fake.ts', code: value('@metatrain/core'), fires: 'no-restricted-imports' },
  { why: 'metalearn importing TensorFlow.js', path: 'packages/metalearn/src/fake.ts', code: value('@tensorflow/tfjs'), fires: undefined },
  { why: 'the worker importing the coordinator', path: 'packages/worker/src/fake.ts', code: value('@metatrain/coordinator'), fires: 'no-restricted-imports' },
  { why: 'a worker test importing the coordinator', path: 'packages/worker/src/fake.test.ts', code: value('@metatrain/coordinator'), fires: 'no-restricted-imports' },
  { why: 'the coordinator importing the worker', path: 'packages/coordinator/src/fake.ts', code: value('@metatrain/worker'), fires: 'no-restricted-imports' },
  { why: 'the coordinator importing storage', path: 'packages/coordinator/src/fake.ts', code: value('@metatrain/storage'), fires: undefined },
  { why: 'job-loop importing contract', path: 'packages/job-loop/src/fake.ts', code: value('@metatrain/contract'), fires: 'no-restricted-imports' },
  { why: 'the CLI importing the coordinator', path: 'packages/cli/src/fake.ts', code: value('@metatrain/coordinator'), fires: undefined },
  { why: "datasets importing storage (it is core's only)", path: 'packages/datasets/src/fake.ts', code: value('@metatrain/storage'), fires: 'no-restricted-imports' },
  { why: 'datasets importing TensorFlow.js', path: 'packages/datasets/src/fake.ts', code: value('@tensorflow/tfjs'), fires: 'no-restricted-imports' },
  { why: 'core importing datasets (the catalog is core, the I/O is not)', path: 'packages/core/src/fake.ts', code: value('@metatrain/datasets'), fires: 'no-restricted-imports' },
  { why: "the worker's main thread importing datasets", path: 'packages/worker/src/shards/fake.ts', code: value('@metatrain/datasets'), fires: undefined },
  { why: 'the coordinator importing datasets', path: 'packages/coordinator/src/jobs/fake.ts', code: value('@metatrain/datasets'), fires: undefined },
  { why: 'metalearn importing datasets', path: 'packages/metalearn/src/fake.ts', code: value('@metatrain/datasets'), fires: 'no-restricted-imports' },
  // testing helpers only from tests
  { why: 'a testing export from package code', path: 'packages/coordinator/src/fake.ts', code: value('@metatrain/contract/testing'), fires: 'no-restricted-imports' },
  { why: 'a testing folder from package code', path: 'packages/coordinator/src/http/fake.ts', code: value('../metrics/testing/exposition'), fires: 'no-restricted-imports' },
  { why: 'a testing folder from a unit test', path: 'packages/coordinator/src/http/fake.test.ts', code: value('../metrics/testing/exposition'), fires: undefined },
  { why: 'a testing export from a testing folder', path: 'packages/coordinator/src/testing/fake.ts', code: value('@metatrain/contract/testing'), fires: undefined },
  // light starts: metalearn (TensorFlow.js) only where it belongs
  { why: "metalearn in the worker's main thread", path: 'packages/worker/src/worker.ts', code: value('@metatrain/metalearn'), fires: '@typescript-eslint/no-restricted-imports' },
  { why: "TensorFlow.js in the worker's main thread", path: 'packages/worker/src/worker.ts', code: value('@tensorflow/tfjs-core'), fires: '@typescript-eslint/no-restricted-imports' },
  { why: "the compute thread's module in the main thread", path: 'packages/worker/src/compute/compute-thread.ts', code: value('./shard-computer'), fires: '@typescript-eslint/no-restricted-imports' },
  { why: "metalearn's types in the worker's main thread", path: 'packages/worker/src/worker.ts', code: "import type { ShardResult } from '@metatrain/metalearn';\nexport type Y = ShardResult;\n", fires: undefined },
  { why: "metalearn in the worker's compute thread", path: 'packages/worker/src/compute/thread-main.ts', code: value('@metatrain/metalearn'), fires: undefined },
  { why: 'metalearn in a worker test', path: 'packages/worker/src/compute/fake.test.ts', code: value('@metatrain/metalearn'), fires: undefined },
  { why: 'a static metalearn import in new coordinator code', path: 'packages/coordinator/src/jobs/fake.ts', code: value('@metatrain/metalearn'), fires: '@typescript-eslint/no-restricted-imports' },
  { why: 'a lazy metalearn import in the coordinator', path: 'packages/coordinator/src/jobs/fake.ts', code: "export const load = () => import('@metatrain/metalearn');\n", fires: undefined },
  { why: "job-loop's light entry loading metalearn", path: 'packages/job-loop/src/index.ts', code: value('@metatrain/metalearn'), fires: '@typescript-eslint/no-restricted-imports' },
  { why: "job-loop's in-process entry loading metalearn", path: 'packages/job-loop/src/in-process/index.ts', code: value('@metatrain/metalearn'), fires: undefined },
];

describe('eslint.config.js: the architecture', () => {
  it.each(cases)('$why ($path)', async ({ path, code, fires }) => {
    const firing = await rulesFiring(path, code);
    if (fires) expect(firing).toContain(fires);
    else expect(firing).toEqual([]);
  });

  describe('no import cycles', () => {
    // Real files: no-cycle follows the imports on disk. Under test/ (not packages/, whose
    // folders other tests list), in a folder of this run's own.
    const dir = join(REPO_ROOT, 'test', `lint-cycle-${randomUUID().slice(0, 8)}`);
    beforeAll(async () => {
      await mkdir(dir);
      await writeFile(join(dir, 'a.ts'), "import { b } from './b';\nexport const a = (): number => b() + 1;\n");
      await writeFile(join(dir, 'b.ts'), "import { a } from './a';\nexport const b = (): number => (a.length > 0 ? 0 : 1);\n");
      await writeFile(join(dir, 'c.ts'), "import type { D } from './d';\nexport interface C { d?: D }\n");
      await writeFile(join(dir, 'd.ts'), "import type { C } from './c';\nexport interface D { c?: C }\n");
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('fires on two modules that import each other', async () => {
      const results = await eslint.lintFiles([join(dir, 'a.ts'), join(dir, 'b.ts')]);
      for (const result of results) expect(result.messages.map((m) => m.ruleId), result.filePath).toEqual(['import-x/no-cycle']);
    });

    it('lets types refer to each other (type imports are erased)', async () => {
      const results = await eslint.lintFiles([join(dir, 'c.ts'), join(dir, 'd.ts')]);
      for (const result of results) expect(result.messages, result.filePath).toEqual([]);
    });
  });
});
