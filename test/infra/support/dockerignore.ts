import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './yaml-files';

/** One .dockerignore rule: a path pattern, and whether `!` lets matches back in. */
interface Rule {
  pattern: RegExp;
  include: boolean;
}

// Docker's matching: patterns are paths from the context root, `*` within one segment, `**`
// any number of segments; the last matching rule decides; a rule on a directory covers what
// is under it.
function toRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((segment) => (segment === '**' ? '(?:.*)' : segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
    .join('/')
    .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
  return new RegExp(`^${body}(?:/.*)?$`);
}

const rules: Rule[] = readFileSync(join(REPO, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => (line.startsWith('!') ? { pattern: toRegExp(line.slice(1)), include: true } : { pattern: toRegExp(line), include: false }));

/** Whether the build context leaves out `path` (relative to the repository root). */
export function dockerignored(path: string): boolean {
  let ignored = false;
  for (const rule of rules) if (rule.pattern.test(path)) ignored = !rule.include;
  return ignored;
}
