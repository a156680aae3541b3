import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OMNIGLOT_ZIPS } from '@metatrain/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-spec-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const base = `name: bad
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5 }
outer: { lr: 0.001, metaBatchSize: 4, iterations: 2 }
`;

async function trainWith(spec: string) {
  const path = join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(path, spec);
  return runCli(['train', path, '--out', join(dir, 'out')]);
}

describe('metatrain train refuses a bad spec before any work', () => {
  it.each([
    ['an unknown key', `${base}colour: blue\n`, 'colour: unknown key'],
    ['an unknown nested key', base.replace('hidden: [8]', 'hidden: [8], dropout: 0.5'), 'model.dropout: unknown key'],
    ['a wrong type', base.replace('shots: 5', 'shots: five'), 'tasks.shots'],
    ['a non-positive learning rate', base.replace('lr: 0.001', 'lr: 0'), 'outer.lr'],
    ['a non-finite learning rate', base.replace('lr: 0.001', 'lr: .inf'), 'outer.lr'],
    ['an unknown algorithm', base.replace('algorithm: maml', 'algorithm: magic'), 'algorithm'],
    ['invalid YAML', 'name: [unclosed', 'not valid YAML'],
    [
      'more shots than a class has examples',
      base.replace('tasks: { family: sinusoid, shots: 5 }', `tasks: { family: omniglot, path: ${OMNIGLOT_ZIPS.small1}, shots: 10, queryShots: 15 }`).replace('kind: mlp, hidden: [8]', 'kind: conv4, channels: 4'),
      'tasks.shots',
    ],
    ['a missing dataset file', base.replace('tasks: { family: sinusoid, shots: 5 }', 'tasks: { family: omniglot, path: no-such.zip, shots: 1 }'), 'tasks.path'],
  ])('%s', async (_what, spec, field) => {
    const result = await trainWith(spec);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(field);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stdout).toBe('');
  });

  it('a missing spec file', async () => {
    const result = await runCli(['train', join(dir, 'nope.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no such file');
  });
});
