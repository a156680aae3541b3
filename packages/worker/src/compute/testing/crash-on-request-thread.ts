// A stand-in for thread-main.ts in tests of ComputeThread and ComputePool: ready at once,
// "computes" a shard of one block whose sum is the parameters (after `version` ms of busy
// waiting: a synchronous computation that only terminating the thread stops), and crashes (an
// uncaught exception, as a real thread's fatal error would be) when the job id is 'crash'.
import { parentPort } from 'node:worker_threads';
import type { ThreadReply, ThreadRequest } from '../thread-protocol';

const port = parentPort;
if (!port) throw new Error('runs as a worker thread only');
const send = (reply: ThreadReply): void => port.postMessage(reply);
port.on('message', (request: ThreadRequest) => {
  if (request.jobId === 'crash') throw new Error('simulated crash');
  const started = performance.now();
  while (performance.now() - started < request.version);
  send({ kind: 'computed', id: request.id, sums: [request.params], metrics: [], computeMs: performance.now() - started });
});
send({ kind: 'ready', backend: { name: 'cpu', device: 'cpu' } });
