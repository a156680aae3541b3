import { describeError } from './cli-errors';
import { runCommand } from './commands/run-command';

const USAGE = `metatrain — distributed meta-training

Usage:
  metatrain train <spec.yaml> [--out <dir>] [--resume]    train a whole job in this process
  metatrain eval <exportDir|runDir> [--tasks 600] [--shots K] [--steps n] [--data <path>]
                                                          adapt an exported model on held-out tasks

Results go to stdout, progress and messages to stderr.
Exit codes: 0 success, 1 failure, 2 usage or validation error.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
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
