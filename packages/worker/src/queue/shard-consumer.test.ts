import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerClosedError } from '../errors';
import { ShardConsumer } from './shard-consumer';

// Stopping a consumer that still waits for Redis. A server that answers every connection
// with something that is not Redis (an HTTP proxy, say) keeps the connections failing and
// retrying, the case where BullMQ's connections used to fail after their close() had
// removed their error listeners: unhandled rejections.

const notRedisServers: Array<{ server: Server; sockets: Set<Socket> }> = [];
afterEach(async () => {
  for (const { server, sockets } of notRedisServers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function notRedis(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Slowly: the connection sits in 'connect', the last failure remembered, when the abort comes.
    socket.on('data', () => setTimeout(() => socket.writable && socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'), 200));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  notRedisServers.push({ server, sockets });
  return `redis://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('ShardConsumer.create', () => {
  it('stops waiting for a Redis that is not there when aborted, and leaves nothing failing behind', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const redisUrl = await notRedis();
      for (const waitMs of [450, 600, 750]) {
        const abort = new AbortController();
        const creating = ShardConsumer.create({ redisUrl, prefix: 'never', queueName: 'used', log: () => undefined, signal: abort.signal }, () => Promise.resolve());
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        abort.abort();
        await expect(creating).rejects.toThrow(new WorkerClosedError('stopped while waiting for Redis'));
      }
      await new Promise((resolve) => setTimeout(resolve, 500)); // what fails late, fails by now
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
