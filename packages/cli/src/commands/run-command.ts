import { UsageError } from '../cli-errors';
import { evalCommand } from './eval-command';
import { trainCommand } from './train-command';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  train: trainCommand,
  eval: evalCommand,
};

export async function runCommand(name: string, args: string[]): Promise<number> {
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}'`);
  return command(args);
}
