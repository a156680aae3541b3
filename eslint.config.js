import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The architecture, checked on every lint (test/lint-rules.test.ts proves each rule fires):
// no import cycles, no imports into another package's files, packages depend one way, test
// helpers stay in tests, and light code never loads TensorFlow.js when it is imported.

/** Which of our packages each package may import: the direction of the dependency graph. */
const USES = {
  core: [],
  http: [],
  storage: ['core'],
  contract: ['core'],
  datasets: ['core'], // finding and downloading the catalog's datasets: light, imported by cli, coordinator and worker
  metalearn: ['core'],
  'job-loop': ['core', 'storage', 'metalearn'], // metalearn only in its ./in-process entry (below)
  serve: ['core', 'storage', 'http', 'metalearn'], // metalearn only in its compute threads and lazily to read exports (below)
  coordinator: ['core', 'storage', 'contract', 'datasets', 'http', 'metalearn', 'job-loop', 'serve'], // metalearn only lazily (below)
  worker: ['core', 'contract', 'datasets', 'http', 'metalearn'], // metalearn only in its compute thread (below)
  cli: ['core', 'storage', 'contract', 'datasets', 'http', 'metalearn', 'job-loop', 'coordinator', 'worker', 'serve'],
};
const PACKAGES = Object.keys(USES);

/** Files that may use test helpers: tests, benches and the helpers themselves. */
const TEST_FILES = ['**/*.test.ts', '**/testing/**', 'test/**', 'bench/**'];

// A package is used through its name or its ./testing export (job-loop adds ./in-process);
// anything else (`@metatrain/x/src/…`, `@metatrain/x/main`) reaches into its files.
const DEEP_IMPORT = {
  regex: '^@metatrain/(?!job-loop/in-process$)[^/]+/(?!testing$)',
  message: 'Import another package by its name (@metatrain/x) or its ./testing export, never its files.',
};
const TESTING_ONLY = {
  regex: '(^|/)testing(/|$)',
  message: 'Test helpers (a testing/ folder, @metatrain/x/testing) are for test files only: *.test.ts, test/, bench/, testing/.',
};
const NO_TENSORFLOW = { group: ['@tensorflow/*'], message: 'Only @metatrain/metalearn uses TensorFlow.js.' };

/** Bans our packages outside USES[pkg], pkg itself too (its own files are imported relatively). */
function direction(pkg) {
  const allowed = USES[pkg];
  const banned = PACKAGES.filter((p) => !allowed.includes(p));
  return { group: banned.flatMap((p) => [`@metatrain/${p}`, `@metatrain/${p}/*`]), message: `${pkg} may import ${allowed.length ? allowed.map((p) => `@metatrain/${p}`).join(', ') : 'none of our packages'} (USES in eslint.config.js).` };
}

/** `no-restricted-imports` for one package's files (or the root's test/ and bench/ when pkg is undefined). */
function importRules(pkg, { test }) {
  const patterns = [DEEP_IMPORT];
  if (pkg) patterns.push(direction(pkg));
  if (pkg && pkg !== 'metalearn') patterns.push(NO_TENSORFLOW);
  if (!test) patterns.push(TESTING_ONLY);
  return { 'no-restricted-imports': ['error', { patterns }] };
}

// Options of one rule do not merge across config objects: each object below gives the whole
// list for its files, and the later (narrower) object wins.
const packageBoundaries = [
  { files: ['**/*.ts'], rules: importRules(undefined, { test: false }) },
  { files: TEST_FILES, rules: importRules(undefined, { test: true }) },
  ...PACKAGES.flatMap((pkg) => [
    { files: [`packages/${pkg}/**/*.ts`], rules: importRules(pkg, { test: false }) },
    { files: [`packages/${pkg}/**/*.test.ts`, `packages/${pkg}/**/testing/**`], rules: importRules(pkg, { test: true }) },
  ]),
];

// Weight: these files start light, so they may use metalearn's types but never load it (or
// TensorFlow.js) with a static import; `await import()` is how the heavy code is reached.
const LOADS_TFJS = {
  group: ['@metatrain/metalearn', '@metatrain/metalearn/*', '@metatrain/job-loop/in-process', '@tensorflow/*'],
  allowTypeImports: true,
  message: 'This code starts without TensorFlow.js: import metalearn types only (`import type`), or load it with `await import()` where it is needed.',
};
const COMPUTE_THREAD = ['packages/worker/src/compute/thread-main.ts', 'packages/worker/src/compute/shard-computer.ts'];
const noTfjsAtRuntime = (patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns: [LOADS_TFJS, ...patterns] }] });
const lightStarts = [
  {
    // The worker's main thread (BullMQ lock renewal, heartbeats, gRPC); ComputeThread starts the
    // compute thread by URL, so the main thread never imports the thread's modules either.
    files: ['packages/worker/**/*.ts'],
    ignores: [...COMPUTE_THREAD, ...TEST_FILES],
    rules: noTfjsAtRuntime([{ regex: '(^|/)(thread-main|shard-computer)$', message: 'The compute thread\'s modules load TensorFlow.js: the main thread starts them as a thread (ComputeThread), never imports them.' }]),
  },
  // The coordinator computes only to export a job or answer Adapt: it loads metalearn then (compute/load-metalearn.ts).
  { files: ['packages/coordinator/**/*.ts'], ignores: TEST_FILES, rules: noTfjsAtRuntime([]) },
  // metatrain serve's main thread answers HTTP; its compute threads (thread-main.ts) load TensorFlow.js.
  {
    files: ['packages/serve/**/*.ts'],
    ignores: ['packages/serve/src/engine/thread-main.ts', ...TEST_FILES],
    rules: noTfjsAtRuntime([{ regex: '(^|/)thread-main$', message: "The serve compute thread's module loads TensorFlow.js: AdaptEngine starts it as a thread, never imports it." }]),
  },
  { files: ['packages/job-loop/**/*.ts'], ignores: ['packages/job-loop/src/in-process.ts', 'packages/job-loop/src/in-process/**', ...TEST_FILES], rules: noTfjsAtRuntime([]) },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/gen/**', 'runs/**', '**/dist/**', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      // How import-x reads the modules it walks for no-cycle; pnpm links our packages, so the
      // resolver follows `exports` to packages/*/src like TypeScript does.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Our tsconfigs have no `paths`: one file gives the compiler options (several make it warn).
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.base.json' })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Type-only imports do not count (they are erased); third-party modules are not walked.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // `../packages/x/src/…`, `../../../coordinator/src/…`: a relative path into another package.
      'import-x/no-relative-packages': 'error',
    },
  },
  ...packageBoundaries,
  ...lightStarts,
);
