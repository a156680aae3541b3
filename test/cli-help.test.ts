import { COMMAND_HELP, COMMAND_NAMES } from '@metatrain/cli';
import { describe, expect, it } from 'vitest';
import { type CliResult, runCli } from './support/run-cli';

// Help as a newcomer asks for it, from real processes: `metatrain help`, `metatrain help <command>`,
// `metatrain <command> --help` and `-h` for every command, and what a wrong flag says.

/** Runs the argument lists a few at a time: each is a process start, and the cores are shared. */
async function runAll(argLists: string[][], parallel = 3): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (let i = 0; i < argLists.length; i += parallel) results.push(...(await Promise.all(argLists.slice(i, i + parallel).map((args) => runCli(args)))));
  return results;
}

describe('metatrain help', () => {
  it('lists every command with its summary, on stdout, exit 0', async () => {
    const result = await runCli(['help']);
    expect(result.code, result.stderr).toBe(0);
    const listed = result.stdout.split('\n').flatMap((line) => {
      const match = /^ {2}([a-z]+) +(\S.*)$/.exec(line);
      return match ? [[match[1], match[2]]] : [];
    });
    expect(listed).toEqual(COMMAND_NAMES.map((name) => [name, COMMAND_HELP[name].summary]));
    expect(result.stdout).toContain("'metatrain <command> --help'");
  });

  it("`<command> --help` and `<command> -h` print that command's usage, flags with defaults, and examples", async () => {
    const argLists = COMMAND_NAMES.flatMap((name) => [[name, '--help'], [name, '-h']]);
    const results = await runAll(argLists);
    results.forEach((result, i) => {
      const args = argLists[i] as [keyof typeof COMMAND_HELP, string];
      const help = COMMAND_HELP[args[0]];
      const what = args.join(' ');
      expect(result.code, `${what}: ${result.stderr}`).toBe(0);
      expect(result.stderr, what).toBe('');
      expect(result.stdout, what).toMatch(new RegExp(`^metatrain ${args[0]} — `));
      expect(result.stdout, what).toContain(`Usage:\n  ${help.usage}\n`);
      for (const [flag, info] of Object.entries(help.flags)) {
        expect(result.stdout, `${what}: --${flag}`).toMatch(new RegExp(`^ {2}--${flag}\\b`, 'm'));
        // Compared across line wraps: a long default goes on over two lines.
        expect(result.stdout.replace(/\s+/g, ' '), `${what}: --${flag}`).toContain(`default: ${info.byDefault}`);
      }
      expect(result.stdout, what).toContain(`Examples:\n  ${help.examples[0]}`);
      if (i % 2 === 1) expect(result.stdout, what).toBe(results[i - 1]?.stdout);
    });
  });

  it('`help <command>` says what `<command> --help` says', async () => {
    const [viaHelp, viaFlag] = await runAll([['help', 'submit'], ['submit', '--help']]);
    expect(viaHelp?.code).toBe(0);
    expect(viaHelp?.stdout).toContain('metatrain submit — ');
    expect(viaHelp?.stdout).toBe(viaFlag?.stdout);
  });

  it('refuses an unknown command or help topic (exit 2)', async () => {
    const [unknown, topic] = await runAll([['trian', 'spec.yaml'], ['help', 'trian']]);
    expect(unknown?.code).toBe(2);
    expect(unknown?.stderr).toBe("error: unknown command 'trian' (see 'metatrain help')\n");
    expect(topic?.code).toBe(2);
    expect(topic?.stderr).toBe("error: unknown command 'trian' (see 'metatrain help')\n");
  });
});

describe('a wrong flag', () => {
  it("is one line, exit 2, pointing to that command's --help, for every command", async () => {
    const results = await runAll(COMMAND_NAMES.map((name) => [name, '--no-such-flag']));
    results.forEach((result, i) => {
      const name = COMMAND_NAMES[i] as string;
      expect(result.code, `${name}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toBe(`error: unknown flag '--no-such-flag' (see 'metatrain ${name} --help')\n`);
      expect(result.stdout).toBe('');
    });
  });
});
