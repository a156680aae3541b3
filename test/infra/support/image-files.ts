import { join, posix } from 'node:path';
import { type ParsedDockerfile, stage, symlinks } from './dockerfile';
import { dockerignored } from './dockerignore';
import { REPO } from './yaml-files';

/**
 * The repository file that image `target` holds at `imagePath`, read from the Dockerfile
 * alone: the path's symbolic links (`ln -s` in the target's RUNs) followed, then the
 * `sources` stage's COPYs, which every final stage takes whole (`COPY --from=sources /app /app`),
 * and .dockerignore. Undefined when the image has no such file from the repository.
 */
export function repositoryFileAt(dockerfile: ParsedDockerfile, target: string, imagePath: string): string | undefined {
  let path = posix.normalize(imagePath);
  for (const { link, to } of symlinks(dockerfile, target)) {
    if (path === link || path.startsWith(`${link}/`)) path = posix.join(posix.resolve(posix.dirname(link), to), path.slice(link.length));
  }
  const takesSources = stage(dockerfile, target).instructions.some((i) => i.keyword === 'COPY' && /^--from=sources \/app \/app$/.test(i.args));
  if (!takesSources) return undefined;
  for (const copy of stage(dockerfile, 'sources').instructions.filter((i) => i.keyword === 'COPY')) {
    const [source = '', dest = ''] = copy.args.split(' ');
    if (!path.startsWith(dest)) continue;
    const relative = posix.join(source, path.slice(dest.length));
    return dockerignored(relative) ? undefined : join(REPO, relative);
  }
  return undefined;
}
