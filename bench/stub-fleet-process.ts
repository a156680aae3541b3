import { type ShardEvent, Worker } from '@metatrain/worker';
import type { FleetConfig, FleetMessage, ShardTimes } from './stub-fleet';

// A child of stub-fleet.ts: `workers` real Workers with the compute stub, started a few at a
// time (each opens BullMQ connections and registers over gRPC). On 'close' it closes them and
// sends back every accepted train shard's times and the process's CPU time since the start.

const config = JSON.parse(process.argv[2] ?? '{}') as FleetConfig;
const send = (message: FleetMessage): void => void process.send?.(message);
const STARTING_AT_ONCE = 16;

const shards: ShardTimes[] = [];
const otherOutcomes: Record<string, number> = {};
/** Keeps every accepted train shard's times (its wait for θ included) and counts the other outcomes. */
function onShard(event: ShardEvent): void {
  if (event.outcome !== 'accepted') otherOutcomes[event.outcome] = (otherOutcomes[event.outcome] ?? 0) + 1;
  else if (/-r\d+-b\d/.test(event.queueJobId) && event.computeMs !== undefined) shards.push({ version: event.version, computeMs: event.computeMs, totalMs: event.totalMs, parametersMs: event.parametersMs ?? 0 });
}

const workers: Worker[] = [];
let closing: Promise<void> | undefined;
const close = (): Promise<void> =>
  (closing ??= (async () => {
    await Promise.all(workers.map((w) => w.close().catch((err: unknown) => send({ type: 'error', message: `closing ${w.workerId}: ${String(err)}` }))));
    const cpu = process.cpuUsage(started);
    // Disconnect only once the message is out: a disconnect right after send() can lose it.
    await new Promise<void>((resolve) => process.send?.({ type: 'closed', shards, cpuMs: (cpu.user + cpu.system) / 1000, otherOutcomes } satisfies FleetMessage, () => resolve()));
    process.disconnect();
  })());

const started = process.cpuUsage();
process.on('message', (message: { type: string }) => message.type === 'close' && void close());
process.on('disconnect', () => void close().finally(() => process.exit(0))); // the bench died: do not linger
try {
  for (let k = 0; k < config.workers; k += STARTING_AT_ONCE) {
    const batch = Array.from({ length: Math.min(STARTING_AT_ONCE, config.workers - k) }, (_, j) =>
      Worker.create({
        coordinatorAddress: config.coordinatorAddress,
        redisUrl: config.redisUrl,
        queuePrefix: config.queuePrefix,
        queueName: config.queueName,
        workerId: `stub-${config.firstIndex + k + j}`,
        fakeCompute: { msPerTask: config.msPerTask },
        threads: 1,
        shutdownGraceMs: 2000,
        log: (line) => send({ type: 'log', line }),
        onShard,
      }),
    );
    workers.push(...(await Promise.all(batch)));
  }
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  await close();
}
