import { UsageError } from '../cli-errors';

/** Where the coordinator listens when neither --coordinator nor COORDINATOR_ADDR says (docs/RUNNING.md). */
export const DEFAULT_COORDINATOR = '127.0.0.1:50051';

/**
 * The coordinator's gRPC address: `--coordinator`, else COORDINATOR_ADDR, else 127.0.0.1:50051.
 * Accepts `host:port` and `[ipv6]:port`; anything else is a UsageError naming where it came from.
 */
export function coordinatorAddress(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.COORDINATOR_ADDR?.trim();
  const [address, source] = flag !== undefined ? [flag.trim(), '--coordinator'] : fromEnv ? [fromEnv, 'COORDINATOR_ADDR'] : [DEFAULT_COORDINATOR, 'default'];
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d+)$/.exec(address);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${source} must be host:port (e.g. 127.0.0.1:50051), got '${address}'`);
  }
  return address;
}
