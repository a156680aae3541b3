import { type CommandHelp, formatCommandHelp } from './command-help';
import { DATA_HELP } from './data-commands';
import { CANCEL_HELP, EXPORT_HELP, LIST_HELP, METRICS_HELP, STATUS_HELP, SUBMIT_HELP, WATCH_HELP, WORKERS_HELP } from './job-commands';
import { ADAPT_HELP, EVAL_HELP, LOCAL_HELP, SERVE_HELP, TRAIN_HELP } from './training-commands';

/** Every command's help, in the order `metatrain help` lists them; the keys are the commands. */
export const COMMAND_HELP = {
  train: TRAIN_HELP,
  local: LOCAL_HELP,
  eval: EVAL_HELP,
  adapt: ADAPT_HELP,
  serve: SERVE_HELP,
  data: DATA_HELP,
  submit: SUBMIT_HELP,
  status: STATUS_HELP,
  list: LIST_HELP,
  watch: WATCH_HELP,
  metrics: METRICS_HELP,
  cancel: CANCEL_HELP,
  export: EXPORT_HELP,
  workers: WORKERS_HELP,
} as const satisfies Record<string, CommandHelp>;

/** A command of `metatrain`. */
export type CommandName = keyof typeof COMMAND_HELP;

/** The commands, in the order of `metatrain help`. */
export const COMMAND_NAMES = Object.keys(COMMAND_HELP) as CommandName[];

/** Whether `name` is a command. */
export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_HELP, name);
}

/** What `metatrain <name> --help` prints. */
export function commandHelp(name: CommandName): string {
  return formatCommandHelp(name, COMMAND_HELP[name]);
}

/** The one-line usage error of a command called with the wrong arguments. */
export function usageLine(name: CommandName): string {
  return `usage: ${COMMAND_HELP[name].usage}`;
}

const NAME_WIDTH = Math.max(...COMMAND_NAMES.map((name) => name.length)) + 3;

function commandList(group: CommandHelp['group']): string[] {
  const names = COMMAND_NAMES.filter((name) => COMMAND_HELP[name].group === group);
  return names.map((name) => `  ${name.padEnd(NAME_WIDTH)}${COMMAND_HELP[name].summary}`);
}

/** What `metatrain help` prints: every command, and where to read more. */
export function overviewHelp(): string {
  return [
    'metatrain — distributed meta-training',
    '',
    'Usage: metatrain <command> [arguments] [flags]',
    '',
    'On this machine:',
    ...commandList('here'),
    '',
    'Jobs on a coordinator (--coordinator host:port, else COORDINATOR_ADDR, else 127.0.0.1:50051;',
    'METATRAIN_TOKEN, when set, is sent as a bearer token):',
    ...commandList('coordinator'),
    '',
    "'metatrain <command> --help' (or -h, or 'metatrain help <command>') shows a command's flags, their",
    'defaults and examples.',
    'Results go to stdout, progress and messages to stderr.',
    'Exit codes: 0 success, 1 failure (watch, submit --wait: the job FAILED or was CANCELLED), 2 usage or validation error.',
    '',
  ].join('\n');
}
