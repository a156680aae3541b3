// What `metatrain <command> --help` prints. The entries are plain data in modules that import
// nothing heavy, so help is answered before a command's code (and TensorFlow.js) loads.

/**
 * One flag of a command. The entry is also the flag's parseArgs option: a command parses its
 * arguments with the flags its help lists, so the two cannot drift apart.
 */
export interface FlagHelp {
  readonly type: 'string' | 'boolean';
  /** How the value is written, e.g. `<dir>`; none for a boolean flag. */
  readonly value?: string;
  /** What happens without the flag. */
  readonly byDefault: string;
  readonly text: string;
}

/** What `metatrain <command> --help` says about a command. */
export interface CommandHelp {
  /** Where `metatrain help` lists it. */
  readonly group: 'here' | 'coordinator';
  /** One line, in `metatrain help`. */
  readonly summary: string;
  /** The command line, starting with `metatrain <command>`. */
  readonly usage: string;
  /** Paragraphs after the usage line. */
  readonly details: readonly string[];
  readonly flags: Readonly<Record<string, FlagHelp>>;
  /** 1–3 command lines, with a comment each where it helps. */
  readonly examples: readonly string[];
}

/** `--coordinator`, the same for every job command. */
export const COORDINATOR_FLAG = {
  type: 'string',
  value: 'host:port',
  byDefault: 'COORDINATOR_ADDR, else 127.0.0.1:50051',
  text: "the coordinator's gRPC address",
} as const satisfies FlagHelp;

/** `--json`, for the commands with a table. */
export const JSON_FLAG = {
  type: 'boolean',
  byDefault: 'a table for people',
  text: 'machine-readable output',
} as const satisfies FlagHelp;

/** Help lines are wrapped to this width: a terminal of 100 columns shows them whole. */
const WIDTH = 100;

/** `text` in lines of at most WIDTH characters (a longer word stands alone), each after `indent`. */
export function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** A flag: its name and value, then what it does and its default, under each other. */
function flagLines(left: string, texts: string[], width: number): string[] {
  const indent = ' '.repeat(2 + width);
  const [first = '', ...rest] = texts.flatMap((text) => wrap(text, indent));
  return [`  ${left.padEnd(width)}${first.slice(indent.length)}`, ...rest];
}

/** A command's help: usage, what it does, every flag with its default, examples. */
export function formatCommandHelp(name: string, help: CommandHelp): string {
  const flags: Array<[string, string[]]> = Object.entries(help.flags).map(([flag, f]) => [`--${flag}${f.value ? ` ${f.value}` : ''}`, [f.text, `default: ${f.byDefault}`]]);
  flags.push(['-h, --help', ['this help']]);
  const width = Math.max(...flags.map(([left]) => left.length)) + 2;
  return [
    `metatrain ${name} — ${help.summary}`,
    '',
    'Usage:',
    `  ${help.usage}`,
    '',
    ...help.details.flatMap((paragraph) => [...wrap(paragraph, ''), '']),
    'Flags:',
    ...flags.flatMap(([left, texts]) => flagLines(left, texts, width)),
    '',
    'Examples:',
    ...help.examples.map((example) => `  ${example}`),
    '',
  ].join('\n');
}
