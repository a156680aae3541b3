import { UsageError } from '../cli-errors';
import { type CommandName, isCommand } from '../help/commands';

type Command = (args: string[]) => Promise<number>;

// Each command is loaded when it runs: the job commands need only the gRPC client, and so
// start in a fraction of the time the training commands take to load TensorFlow.js. Keyed by
// the commands the help names, so a command without help (or help without a command) does not compile.
const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  train: async () => (await import('./train-command')).trainCommand,
  eval: async () => (await import('./eval-command')).evalCommand,
  local: async () => (await import('./local-command')).localCommand,
  submit: async () => (await import('./submit-command')).submitCommand,
  status: async () => (await import('./status-command')).statusCommand,
  list: async () => (await import('./list-command')).listCommand,
  watch: async () => (await import('./watch-command')).watchCommand,
  metrics: async () => (await import('./metrics-command')).metricsCommand,
  cancel: async () => (await import('./cancel-command')).cancelCommand,
  export: async () => (await import('./export-command')).exportCommand,
  workers: async () => (await import('./workers-command')).workersCommand,
  adapt: async () => (await import('./adapt-command')).adaptCommand,
  serve: async () => (await import('./serve-command')).serveCommand,
  data: async () => (await import('./data-command')).dataCommand,
};

/**
 * Loads and runs command `name`. A usage error it throws is tagged with the command, so the
 * message points to that command's help.
 */
export async function runCommand(name: string, args: string[]): Promise<number> {
  if (!isCommand(name)) throw new UsageError(`unknown command '${name}'`);
  const command = await COMMANDS[name]();
  try {
    return await command(args);
  } catch (err) {
    throw err instanceof UsageError && err.command === undefined ? new UsageError(err.message, name) : err;
  }
}
