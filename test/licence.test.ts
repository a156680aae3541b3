import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The licence is stated once (LICENSE) and repeated where package tools read it, for every
// package there is now or later; the Omniglot files keep their own.

const REPO = join(import.meta.dirname, '..');
const manifests = ['package.json', ...readdirSync(join(REPO, 'packages')).map((p) => join('packages', p, 'package.json'))];

describe('licence', () => {
  it('is MIT, the metatrain authors, in LICENSE and in every package.json', () => {
    const licence = readFileSync(join(REPO, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the metatrain authors\n/);
    expect(manifests.length).toBeGreaterThan(5);
    for (const file of manifests) expect((JSON.parse(readFileSync(join(REPO, file), 'utf8')) as { license?: string }).license, file).toBe('MIT');
  });

  it('leaves the Omniglot files their own MIT licence', () => {
    expect(readFileSync(join(REPO, 'datasets', 'omniglot', 'LICENSE'), 'utf8')).toContain('Copyright (c) 2015 Brenden Lake');
  });
});
