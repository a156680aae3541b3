import { UsageError } from '../cli-errors';

type Command = (args: string[]) => Promise<number>;

// Each command is loaded when it runs: the job commands need only the gRPC client, and so
// start in a fraction of the time the training commands take to load TensorFlow.js.
const COMMANDS: Record<string, () => Promise<Command>> = {
  train: async () => (await import('./train-command')).trainCommand,
  eval: async () => (await import('./eval-command')).evalCommand,
  local: async () => (await import('./local-command')).localCommand,
  submit: async () => (await import('./submit-command')).submitCommand,
  status: async () => (await import('./status-command')).statusCommand,
  list: async () => (await import('./list-command')).listCommand,
  watch: async () => (await import('./watch-command')).watchCommand,
  cancel: async () => (await import('./cancel-command')).cancelCommand,
  export: async () => (await import('./export-command')).exportCommand,
  workers: async () => (await import('./workers-command')).workersCommand,
  adapt: async () => (await import('./adapt-command')).adaptCommand,
  data: async () => (await import('./data-command')).dataCommand,
};

export async function runCommand(name: string, args: string[]): Promise<number> {
  const load = COMMANDS[name];
  if (!load) throw new UsageError(`unknown command '${name}'`);
  return (await load())(args);
}
