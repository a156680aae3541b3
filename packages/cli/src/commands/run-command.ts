import { UsageError } from '../cli-errors';
import { adaptCommand } from './adapt-command';
import { cancelCommand } from './cancel-command';
import { evalCommand } from './eval-command';
import { exportCommand } from './export-command';
import { listCommand } from './list-command';
import { localCommand } from './local-command';
import { statusCommand } from './status-command';
import { submitCommand } from './submit-command';
import { trainCommand } from './train-command';
import { watchCommand } from './watch-command';
import { workersCommand } from './workers-command';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  train: trainCommand,
  eval: evalCommand,
  local: localCommand,
  submit: submitCommand,
  status: statusCommand,
  list: listCommand,
  watch: watchCommand,
  cancel: cancelCommand,
  export: exportCommand,
  workers: workersCommand,
  adapt: adaptCommand,
};

export async function runCommand(name: string, args: string[]): Promise<number> {
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}'`);
  return command(args);
}
