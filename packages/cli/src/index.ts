// What other workspaces (tests, benchmarks) use from the CLI: starting its services as processes.
export { startLocalCluster } from './local/local-cluster';
export type { LocalCluster, LocalClusterOptions } from './local/local-cluster';
export { startService } from './local/service-process';
export type { ServiceProcess } from './local/service-process';
