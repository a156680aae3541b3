import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliFailure } from '../cli-errors';
import { startService } from './service-process';

/** A free TCP port on 127.0.0.1 (it may be taken again before use; callers retry). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A private `redis-server` for `metatrain local` when REDIS_URL is not set: 127.0.0.1, a free
 * port, a temporary directory, nothing kept on disk, `noeviction` as BullMQ requires.
 */
export async function startLocalRedis(): Promise<{ url: string; close(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'metatrain-local-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];
  // Its log is noise for the user; an early exit still shows the last lines in the error.
  const service = startService('redis', 'redis-server', args, { env: process.env, ready: /Ready to accept connections/, log: () => undefined });
  try {
    await service.ready;
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    const hint = (err as Error).message.includes('could not start') ? ' (is redis-server installed? or set REDIS_URL)' : '';
    throw new CliFailure(`cannot start a private redis-server${hint}: ${(err as Error).message}`);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      await service.stop(5000);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
