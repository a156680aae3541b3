import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { effective, execForm, parseDockerfile, stage, stageEnv, symlinks, type ParsedDockerfile } from './dockerfile';
import { dockerignored } from './dockerignore';
import { REPO } from './yaml-files';

const exec = promisify(execFile);

/** An image's file system as the Dockerfile builds it, laid out in a directory of this machine. */
export interface ImageLayout {
  /** Where the image's `/` is. */
  root: string;
  /** Where an absolute path of the image is, here. */
  path(imagePath: string): string;
  /** The image's WORKDIR, here. */
  workdir: string;
  /** Its ENV. */
  env: Record<string, string>;
  /** Its CMD, with the image's paths mapped here. */
  cmd: string[];
  /** Its HEALTHCHECK command, mapped likewise. */
  healthcheck: string[];
  /** Any exec-form command of the image (a pod's `args`, say), mapped likewise. */
  command(args: readonly string[]): string[];
  remove(): Promise<void>;
}

/**
 * Builds the CPU image `target` (coordinator or worker) without Docker: the manifests
 * stage's COPYs, its deps stage's RUN (the same `pnpm install`, offline: from this machine's
 * store), the sources stage's COPYs filtered by .dockerignore, the target's own COPYs, and the
 * symbolic links its RUNs make (`ln -s`; absolute targets mapped here, relative ones kept).
 * Absolute image paths in CMD, HEALTHCHECK and other commands are mapped into the directory.
 */
export async function assembleImage(target: 'coordinator' | 'worker', dockerfile: ParsedDockerfile = parseDockerfile()): Promise<ImageLayout> {
  const root = await mkdtemp(join(tmpdir(), `image-${target}-`));
  const inImage = (path: string) => join(root, path);
  const copy = async (source: string, dest: string) => {
    const to = dest.endsWith('/') ? join(inImage(dest), source.endsWith('/') ? '' : (source.split('/').at(-1) ?? '')) : inImage(dest);
    await mkdir(dirname(to), { recursive: true });
    await cp(join(REPO, source), to, { recursive: true, filter: (from) => !dockerignored(relative(REPO, from)) || from === join(REPO, source) });
  };
  const copyAll = async (stageName: string, base: string) => {
    for (const instruction of stage(dockerfile, stageName).instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
      const parts = instruction.args.split(' ');
      const dest = parts.at(-1) ?? '';
      for (const source of parts.slice(0, -1)) await copy(source, dest.startsWith('/') ? dest : join(base, dest) + (dest.endsWith('/') ? '/' : ''));
    }
  };
  await copyAll('manifests', '/app');
  for (const run of stage(dockerfile, `${target}-deps`).instructions.filter((i) => i.keyword === 'RUN')) {
    const command = run.args.replace(/^(--mount=\S+\s+)*/, '').replace('pnpm install', 'pnpm install --offline');
    await exec('sh', ['-c', command], { cwd: inImage('/app'), timeout: 300_000 });
  }
  await copyAll('sources', '/');
  await copyAll(target, '/app');
  for (const { link, to } of symlinks(dockerfile, target)) {
    await mkdir(dirname(inImage(link)), { recursive: true });
    await symlink(to.startsWith('/') ? inImage(to) : to, inImage(link));
  }
  const map = (args: readonly string[]) => args.map((a) => (a.startsWith('/') && a.includes('.') ? inImage(a) : a)).map((a, i) => (i === 0 && a === 'node' ? process.execPath : a));
  return {
    root,
    path: inImage,
    workdir: inImage(effective(dockerfile, target, 'WORKDIR')?.args ?? '/'),
    env: stageEnv(dockerfile, target),
    cmd: map(execForm(effective(dockerfile, target, 'CMD'))),
    healthcheck: map(execForm(effective(dockerfile, target, 'HEALTHCHECK'))),
    command: map,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
