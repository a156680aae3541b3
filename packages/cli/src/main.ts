import { describeError, UsageError } from './cli-errors';
import { runCommand } from './commands/run-command';
import { commandHelp, isCommand, overviewHelp } from './help/commands';

const HELP_FLAGS = ['--help', '-h'];

/** Whether the arguments ask for help: `--help` or `-h` anywhere before a `--`. */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => HELP_FLAGS.includes(arg));
}

/** Prints help and returns 0, or runs the command. Help never loads a command's code. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command) {
    process.stderr.write(overviewHelp());
    return 2;
  }
  if (command === 'help' || HELP_FLAGS.includes(command)) {
    const [topic, ...extra] = rest;
    if (topic === undefined) process.stdout.write(overviewHelp());
    else if (isCommand(topic) && extra.length === 0) process.stdout.write(commandHelp(topic));
    else throw new UsageError(extra.length > 0 ? 'usage: metatrain help [<command>]' : `unknown command '${topic}'`);
    return 0;
  }
  if (isCommand(command) && asksForHelp(rest)) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  return runCommand(command, rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { message, exitCode } = describeError(err);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = exitCode;
  },
);
