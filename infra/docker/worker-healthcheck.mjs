// The worker image's HEALTHCHECK. The worker serves no port, so what can be checked from
// outside is whether it reaches what it needs: a TCP connection to the coordinator's gRPC
// port (COORDINATOR_ADDR) and to Redis (REDIS_URL), each within 3 s. Exit 0 healthy, 1 not,
// with one line saying which failed. Plain JavaScript: it runs without tsx.
import { connect } from 'node:net';

const TIMEOUT_MS = 3000;

/** host and port of `host:port`, `[v6]:port` or a redis:// URL. */
function endpoint(text, defaultPort) {
  if (/^rediss?:\/\//.test(text)) {
    const url = new URL(text);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || defaultPort) };
  }
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!match) throw new Error(`cannot read host:port from ${JSON.stringify(text)}`);
  return { host: match[1], port: Number(match[2]) };
}

function reach(name, { host, port }) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: TIMEOUT_MS });
    const fail = (reason) => {
      socket.destroy();
      reject(new Error(`${name} at ${host}:${port}: ${reason}`));
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail(`no connection within ${TIMEOUT_MS} ms`));
    socket.once('error', (error) => fail(error.code ?? error.message));
  });
}

const env = process.env;
try {
  await Promise.all([
    reach('coordinator', endpoint(env.COORDINATOR_ADDR || '127.0.0.1:50051')),
    reach('redis', endpoint(env.REDIS_URL || 'redis://127.0.0.1:6379', 6379)),
  ]);
  process.exit(0);
} catch (error) {
  process.stdout.write(`unhealthy: ${error.message}\n`);
  process.exit(1);
}
