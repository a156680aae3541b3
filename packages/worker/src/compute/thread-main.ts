// The compute thread (node:worker_threads): selects the tfjs backend, then computes the shards
// the main thread sends, one at a time. Computing here keeps the main thread's event loop free
// to renew the BullMQ lock, heartbeat and answer gRPC while a shard takes seconds (docs/ARCHITECTURE.md §5).
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '@metatrain/metalearn';
import { ShardComputer } from './shard-computer';
import { serializeError, transferable, type ThreadData, type ThreadReply, type ThreadRequest } from './thread-protocol';

const port = parentPort;
if (!port) throw new Error('thread-main.ts runs as a worker thread only');
const data = workerData as ThreadData;
const send = (reply: ThreadReply, transfer: ArrayBuffer[] = []): void => port.postMessage(reply, transfer);

try {
  // The thread's METATRAIN_BACKEND is the worker's option (ComputeThread sets it): '' picks the fastest.
  const backend = await selectBackend({ log: (line) => send({ kind: 'log', line }) });
  const computer = new ShardComputer({ dataDir: data.dataDir });
  port.on('message', (request: ThreadRequest) => {
    const reply = computer.handle(request);
    if (reply.kind === 'computed') {
      const owned = reply.sums.map(transferable);
      send({ ...reply, sums: owned.map((o) => o.params) }, owned.flatMap((o) => o.transfer));
    } else {
      send(reply);
    }
  });
  send({ kind: 'ready', backend });
} catch (error) {
  send({ kind: 'init-failed', error: serializeError(error) });
}
