import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INFRA } from './yaml-files';

/** infra/docker/Dockerfile. */
export const DOCKERFILE = join(INFRA, 'docker', 'Dockerfile');

/** One instruction: `COPY a b` is { keyword: 'COPY', args: 'a b' } (continuations joined). */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** One build stage: `FROM image AS name` and what follows it. */
export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** The parsed Dockerfile: its global ARGs and its stages in order. */
export interface ParsedDockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

/** Parses a Dockerfile's instructions (comments dropped, `\` continuations joined). */
export function parseDockerfile(path = DOCKERFILE): ParsedDockerfile {
  const lines = readFileSync(path, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i] ?? '';
    const start = i + 1;
    if (/^\s*(#|$)/.test(text)) continue;
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i] ?? ''}`;
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(text);
    if (!match) throw new Error(`${path}:${start}: cannot read ${JSON.stringify(text)}`);
    instructions.push({ keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').replace(/\s+/g, ' ').trim(), line: start });
  }
  const parsed: ParsedDockerfile = { args: {}, stages: [] };
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!from) throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      parsed.stages.push({ from: from[1] ?? '', name: from[2] ?? String(parsed.stages.length), instructions: [] });
    } else if (parsed.stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
      const [name, value = ''] = instruction.args.split('=');
      parsed.args[name ?? ''] = value;
    } else {
      parsed.stages.at(-1)?.instructions.push(instruction);
    }
  }
  return parsed;
}

/** The stage `name`; throws when there is none. */
export function stage(parsed: ParsedDockerfile, name: string): Stage {
  const found = parsed.stages.find((s) => s.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage ${name}`);
  return found;
}

/** The LABEL pairs of a stage (`key="value"` or `key=value`). */
export function labels(s: Stage): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const instruction of s.instructions.filter((i) => i.keyword === 'LABEL')) {
    for (const m of instruction.args.matchAll(/([\w.-]+)=(?:"([^"]*)"|(\S+))/g)) pairs[m[1] ?? ''] = m[2] ?? m[3] ?? '';
  }
  return pairs;
}

/** The image a final stage builds, as the manifests and the compose file must call it. */
export const imageTitle = (parsed: ParsedDockerfile, target: string): string | undefined => labels(stage(parsed, target))['org.opencontainers.image.title'];

/** The last instruction `keyword` of a stage, following its FROM chain to earlier stages. */
export function effective(parsed: ParsedDockerfile, target: string, keyword: string): Instruction | undefined {
  for (let s: Stage | undefined = stage(parsed, target); s; s = parsed.stages.find((p) => p.name === s?.from)) {
    const found = s.instructions.filter((i) => i.keyword === keyword).at(-1);
    if (found) return found;
  }
  return undefined;
}

/** A JSON-array (exec form) instruction's arguments, e.g. CMD ["node", "src/main.ts"]. */
export function execForm(instruction: Instruction | undefined): string[] {
  if (!instruction) return [];
  const json = instruction.args.replace(/^(?:--\S+\s+)*(CMD\s+)?/, '');
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`line ${instruction.line}: not an exec-form array`);
  return parsed;
}

/** The ENV a final stage sets, earlier stages of its FROM chain first. */
export function stageEnv(parsed: ParsedDockerfile, target: string): Record<string, string> {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage(parsed, target); s; s = parsed.stages.find((p) => p.name === s?.from)) chain.unshift(s);
  const env: Record<string, string> = {};
  for (const instruction of chain.flatMap((s) => s.instructions).filter((i) => i.keyword === 'ENV')) {
    for (const m of instruction.args.matchAll(/([\w.-]+)=(?:"([^"]*)"|(\S+))/g)) env[m[1] ?? ''] = m[2] ?? m[3] ?? '';
  }
  return env;
}

/** A symbolic link a RUN makes (`ln -s to link`): `to` as written, relative to the link's directory unless absolute. */
export interface Symlink {
  link: string;
  to: string;
}

/** The symbolic links the RUNs of a final stage's FROM chain make with `ln -s`. */
export function symlinks(parsed: ParsedDockerfile, target: string): Symlink[] {
  const links: Symlink[] = [];
  for (let s: Stage | undefined = stage(parsed, target); s; s = parsed.stages.find((p) => p.name === s?.from)) {
    for (const run of s.instructions.filter((i) => i.keyword === 'RUN')) {
      for (const m of run.args.matchAll(/\bln -sf? (\S+) (\S+)/g)) links.push({ to: m[1] ?? '', link: m[2] ?? '' });
    }
  }
  return links;
}

/** The directories the RUNs of a final stage's FROM chain give an owner (`chown 1000:1000 /data /cache`), with that owner. */
export function chownedDirectories(parsed: ParsedDockerfile, target: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (let s: Stage | undefined = stage(parsed, target); s; s = parsed.stages.find((p) => p.name === s?.from)) {
    for (const run of s.instructions.filter((i) => i.keyword === 'RUN')) {
      for (const m of run.args.matchAll(/\bchown (\S+) ((?:\/\S+ ?)+)/g)) for (const dir of (m[2] ?? '').trim().split(' ')) owners.set(dir, m[1] ?? '');
    }
  }
  return owners;
}
