import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { compileCoordinatorOptions, COORDINATOR_ENV_NAMES } from '@metatrain/coordinator';
import { BACKEND_NAMES } from '@metatrain/core';
import { compileServeOptions, SERVE_ENV_NAMES } from '@metatrain/serve';
import { WORKER_ENV_NAMES } from '@metatrain/worker';
import { describe, expect, it } from 'vitest';
import { chownedDirectories, effective, execForm, imageTitle, parseDockerfile, stage, stageEnv, type Stage } from './support/dockerfile';
import { dockerignored } from './support/dockerignore';
import { repositoryFileAt } from './support/image-files';
import { readYamlMapping, REPO } from './support/yaml-files';

// infra/docker/Dockerfile, read as far as a machine without a Docker engine can: its stages,
// what it copies, how it installs and starts each image, checked against the repository.

const dockerfile = parseDockerfile();
const rootPackage = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { packageManager: string; engines: { node: string }; scripts: Record<string, string> };
const packageJson = (pkg: string) => JSON.parse(readFileSync(join(REPO, 'packages', pkg, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
const IMAGES = { coordinator: 'coordinator', worker: 'worker', 'worker-gpu': 'worker' } as const;
const copies = (s: Stage) => s.instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'));

describe('infra/docker/Dockerfile', () => {
  it('pins the tools the repository pins', () => {
    expect(`pnpm@${dockerfile.args.PNPM_VERSION}`).toBe(rootPackage.packageManager);
    expect(dockerfile.args.TFJS_NODE_GPU_VERSION).toBe(packageJson('metalearn').dependencies?.['@tensorflow/tfjs']);
    const [major, minor] = (/^node:(\d+)\.(\d+)-/.exec(dockerfile.args.NODE_IMAGE ?? '') ?? []).slice(1).map(Number);
    const [needMajor, needMinor] = (/^>=(\d+)\.(\d+)$/.exec(rootPackage.engines.node) ?? []).slice(1).map(Number);
    expect(major).toBe(needMajor);
    expect(minor).toBeGreaterThanOrEqual(needMinor ?? Infinity);
    expect(dockerfile.args.CUDA_IMAGE).toMatch(/^nvidia\/cuda:11\.8\.\d+-cudnn8-runtime-ubuntu22\.04$/);
    expect(dockerfile.args.GPU_BUILD_IMAGE).toBe('ubuntu:22.04'); // the CUDA image's Ubuntu, for the addon's glibc
  });

  it('copies every workspace manifest before installing, and the lockfile', () => {
    const copied = copies(stage(dockerfile, 'manifests')).map((i) => i.args.split(' ')[0]);
    expect(copied).toContain('package.json');
    for (const pkg of readdirSync(join(REPO, 'packages'))) expect(copied, pkg).toContain(`packages/${pkg}/package.json`);
    expect(stage(dockerfile, 'manifests').instructions[1]?.args).toMatch(/pnpm-lock\.yaml pnpm-workspace\.yaml/);
  });

  it('copies only files that exist and that .dockerignore lets through, tests left out', () => {
    for (const s of dockerfile.stages) {
      for (const copy of copies(s)) {
        for (const source of copy.args.split(' ').slice(0, -1)) {
          expect(existsSync(join(REPO, source)), `${s.name}: ${source}`).toBe(true);
          expect(dockerignored(source.replace(/\/$/, '')), `${s.name}: ${source}`).toBe(false);
        }
      }
    }
    for (const pkg of ['coordinator', 'worker', 'metalearn', 'core', 'storage', 'contract']) expect(dockerignored(`packages/${pkg}/src/index.ts`), pkg).toBe(false);
    expect(dockerignored('packages/contract/src/gen/metatrain/v1/job.ts')).toBe(false);
    expect(dockerignored('packages/worker/src/worker.test.ts')).toBe(true);
    expect(dockerignored('packages/coordinator/src/queue/testing/queue-probe.ts')).toBe(true);
    expect(dockerignored('packages/worker/src/compute/testing/fake-compute.ts')).toBe(true); // the compute stub: test mode and no image
    expect(dockerignored('packages/worker/node_modules/bullmq/package.json')).toBe(true);
    expect(dockerignored('runs/x/metrics.jsonl')).toBe(true);
    expect(dockerignored('datasets/omniglot/images_background_small1.zip')).toBe(false);
    expect(dockerignored('examples/sinusoid-maml.yaml')).toBe(true); // specs are submitted, not shipped
  });

  it('carries the shipped datasets in every image, at /app/datasets and through /datasets', () => {
    const shipped = readdirSync(join(REPO, 'datasets', 'omniglot'));
    expect(shipped).toEqual(expect.arrayContaining(['LICENSE', 'images_background_small1.zip', 'images_background_small2.zip']));
    for (const target of Object.keys(IMAGES)) {
      for (const file of shipped) {
        for (const at of [`/app/datasets/omniglot/${file}`, `/datasets/omniglot/${file}`]) {
          expect(repositoryFileAt(dockerfile, target, at), `${target}: ${at}`).toBe(join(REPO, 'datasets', 'omniglot', file));
        }
      }
      expect(repositoryFileAt(dockerfile, target, '/app/examples/sinusoid-maml.yaml'), target).toBeUndefined();
    }
  });

  it('installs production dependencies only, from the lockfile, for each image', () => {
    for (const [target, pkg] of [['coordinator-deps', 'coordinator'], ['worker-deps', 'worker'], ['serve-deps', 'serve']] as const) {
      const run = stage(dockerfile, target).instructions.find((i) => i.keyword === 'RUN')?.args ?? '';
      expect(run).toContain(`pnpm install --frozen-lockfile --prod --filter '${packageJson(pkg).name}...'`);
    }
    const gpu = stage(dockerfile, 'worker-gpu-deps').instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
    expect(gpu).toContain(`--prod --filter '${packageJson('worker').name}...'`);
    expect(gpu).toContain('npm pkg set "dependencies.@tensorflow/tfjs-node-gpu=${TFJS_NODE_GPU_VERSION}"');
    expect(gpu).toMatch(/ls node_modules\/.*tfjs_binding\.node/); // the native addon was really built or fetched
    // pnpm runs the install script that fetches libtensorflow only for allowed packages.
    expect(readYamlMapping(join(REPO, 'pnpm-workspace.yaml')).onlyBuiltDependencies).toContain('@tensorflow/tfjs-node-gpu');
  });

  it("gives every image a data directory and a cache (METATRAIN_DATA_DIR, METATRAIN_CACHE_DIR) that its user owns", () => {
    for (const target of Object.keys(IMAGES)) {
      const env = stageEnv(dockerfile, target);
      const user = effective(dockerfile, target, 'USER')?.args;
      for (const dir of [env.METATRAIN_DATA_DIR, env.METATRAIN_CACHE_DIR]) {
        expect(dir, target).toMatch(/^\/\w+$/);
        expect(chownedDirectories(dockerfile, target).get(dir ?? ''), `${target}: ${dir}`).toBe(user);
      }
    }
  });

  it('carries the entry point that fetches datasets (`metatrain data fetch` without the CLI) in every image', () => {
    for (const target of Object.keys(IMAGES)) {
      expect(repositoryFileAt(dockerfile, target, '/app/packages/datasets/src/main.ts'), target).toBe(join(REPO, 'packages', 'datasets', 'src', 'main.ts'));
    }
    // Installed with the image's package (`--filter '<package>...'`), so its imports resolve in the image.
    for (const pkg of new Set(Object.values(IMAGES))) expect(packageJson(pkg).dependencies, pkg).toHaveProperty('@metatrain/datasets');
  });

  describe.each(Object.entries(IMAGES))('target %s', (target, pkg) => {
    it('carries its image name', () => {
      expect(imageTitle(dockerfile, target)).toBe(target === 'coordinator' ? 'metatrain-coordinator' : `metatrain-${target}`);
    });

    it('starts node itself under tini, as `pnpm start:<package>` runs the same entry point', () => {
      expect(execForm(effective(dockerfile, target, 'ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--']);
      const workdir = effective(dockerfile, target, 'WORKDIR')?.args;
      expect(workdir).toBe(`/app/packages/${pkg}`);
      const cmd = execForm(effective(dockerfile, target, 'CMD'));
      expect(cmd).toEqual(['node', '--import', 'tsx', 'src/main.ts']);
      expect(rootPackage.scripts[`start:${pkg}`]).toBe(`tsx packages/${pkg}/${cmd.at(-1)}`);
      // tsx must be a production dependency of the package the image runs (`--import tsx` resolves from WORKDIR).
      expect(packageJson(pkg).dependencies).toHaveProperty('tsx');
    });

    it('runs as a non-root user, with a health check and variables the code reads', () => {
      expect(effective(dockerfile, target, 'USER')?.args).toBe('1000:1000');
      expect(effective(dockerfile, target, 'HEALTHCHECK')?.args).toMatch(/CMD \[/);
      const names = pkg === 'coordinator' ? COORDINATOR_ENV_NAMES : WORKER_ENV_NAMES;
      expect(Object.keys(stageEnv(dockerfile, target)).filter((v) => v !== 'NODE_ENV' && !names.includes(v))).toEqual([]);
    });
  });

  it('probes and exposes the coordinator on its default ports', () => {
    const defaults = compileCoordinatorOptions({});
    expect(effective(dockerfile, 'coordinator', 'EXPOSE')?.args).toBe(`${defaults.grpcPort} ${defaults.httpPort}`);
    expect(effective(dockerfile, 'coordinator', 'HEALTHCHECK')?.args).toContain(`process.env.HTTP_PORT || ${defaults.httpPort}}/healthz`);
  });

  it('probes and exposes the workers on the WORKER_HTTP_PORT they set', () => {
    for (const target of ['worker', 'worker-gpu']) {
      const port = stageEnv(dockerfile, target).WORKER_HTTP_PORT;
      expect(Number(port), target).toBeGreaterThan(0);
      expect(effective(dockerfile, target, 'EXPOSE')?.args, target).toBe(port);
      expect(effective(dockerfile, target, 'HEALTHCHECK')?.args, target).toContain('127.0.0.1:${process.env.WORKER_HTTP_PORT}/healthz');
    }
  });

  it('builds the serve image like the others: its name, tini, its entry point, a non-root user, a probe on the port it sets', () => {
    expect(imageTitle(dockerfile, 'serve')).toBe('metatrain-serve');
    expect(execForm(effective(dockerfile, 'serve', 'ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--']);
    expect(effective(dockerfile, 'serve', 'WORKDIR')?.args).toBe('/app/packages/serve');
    expect(execForm(effective(dockerfile, 'serve', 'CMD'))).toEqual(['node', '--import', 'tsx', 'src/main.ts']);
    expect(rootPackage.scripts['start:serve']).toBe('tsx packages/serve/src/main.ts');
    expect(packageJson('serve').dependencies).toHaveProperty('tsx');
    expect(effective(dockerfile, 'serve', 'USER')?.args).toBe('1000:1000');
    const env = stageEnv(dockerfile, 'serve');
    expect(Number(env.SERVE_PORT)).toBe(compileServeOptions({}).port);
    expect(effective(dockerfile, 'serve', 'EXPOSE')?.args).toBe(env.SERVE_PORT);
    expect(effective(dockerfile, 'serve', 'HEALTHCHECK')?.args).toContain('127.0.0.1:${process.env.SERVE_PORT}/healthz');
    // The runtime stage's data and cache directories come along; serve reads neither.
    const inherited = ['NODE_ENV', 'METATRAIN_DATA_DIR', 'METATRAIN_CACHE_DIR'];
    expect(Object.keys(env).filter((v) => !inherited.includes(v) && !SERVE_ENV_NAMES.includes(v))).toEqual([]);
    for (const file of ['src/main.ts', 'src/engine/thread-main.ts', 'src/engine/thread-bootstrap.mjs']) {
      expect(repositoryFileAt(dockerfile, 'serve', `/app/packages/serve/${file}`), file).toBe(join(REPO, 'packages', 'serve', file));
    }
  });

  it('runs the GPU worker on CUDA with the tensorflow backend forced', () => {
    expect(stage(dockerfile, 'worker-gpu').from).toBe('${CUDA_IMAGE}');
    const backend = stageEnv(dockerfile, 'worker-gpu').METATRAIN_BACKEND;
    expect(BACKEND_NAMES).toContain(backend);
    expect(backend).toBe('tensorflow');
    expect(stageEnv(dockerfile, 'worker').METATRAIN_BACKEND).toBeUndefined(); // the CPU worker picks wasm itself
  });
});
