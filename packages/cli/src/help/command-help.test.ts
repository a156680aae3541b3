import { describe, expect, it } from 'vitest';
import { formatCommandHelp, wrap } from './command-help';
import { COMMAND_HELP, COMMAND_NAMES, overviewHelp } from './commands';

describe('command help', () => {
  it.each(COMMAND_NAMES)('%s: a usage line, 1–3 examples that use the command, every flag in the usage', (name) => {
    const help = COMMAND_HELP[name];
    expect(help.usage.startsWith(`metatrain ${name}`)).toBe(true);
    expect(help.examples.length).toBeGreaterThanOrEqual(1);
    expect(help.examples.length).toBeLessThanOrEqual(3);
    for (const example of help.examples) expect(example).toMatch(new RegExp(`(^|\\W)metatrain ${name}( |$)`));
    for (const flag of Object.keys(help.flags)) expect(help.usage, flag).toContain(`--${flag}`);
  });

  it('prints each flag with its value, what it does and its default, aligned', () => {
    const text = formatCommandHelp('export', COMMAND_HELP.export);
    expect(text).toContain(['  --out <dir>              where the files go', '                           default: exports/<job>'].join('\n'));
    expect(text).toContain('  -h, --help               this help\n');
    expect(text.split('\n').every((line) => line.length <= 100 || line.startsWith('  metatrain '))).toBe(true);
  });

  it('lists every command once in the overview', () => {
    const text = overviewHelp();
    for (const name of COMMAND_NAMES) expect(text.match(new RegExp(`^ {2}${name} `, 'gm')), name).toHaveLength(1);
  });
});

describe('wrap', () => {
  it('breaks between words at 100 columns, indenting every line', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    const lines = wrap(words.join(' '), '    ');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((line) => line.startsWith('    ') && line.length <= 100)).toBe(true);
    expect(lines.map((line) => line.trim()).join(' ')).toBe(words.join(' '));
  });

  it('keeps a word longer than a line whole, on a line of its own', () => {
    const long = 'x'.repeat(120);
    expect(wrap(`a ${long} b`, '')).toEqual(['a', long, 'b']);
  });
});
