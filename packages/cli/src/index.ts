// What other workspaces (tests, benchmarks) use from the CLI: starting its services as processes.
export { startLocalCluster } from './local/local-cluster';
export type { LocalCluster, LocalClusterOptions } from './local/local-cluster';
export { startService } from './local/service-process';
export type { ServiceProcess } from './local/service-process';
// … and what its help says, which tests check every command against.
export { COMMAND_HELP, COMMAND_NAMES } from './help/commands';
export type { CommandName } from './help/commands';
export type { CommandHelp, FlagHelp } from './help/command-help';
