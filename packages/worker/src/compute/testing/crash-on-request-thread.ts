// A stand-in for thread-main.ts in tests of ComputeThread: ready at once, "computes" a shard
// of one block whose sum is the parameters, and crashes (an uncaught exception, as a real thread's fatal error would be) when
// the job id is 'crash'.
import { parentPort } from 'node:worker_threads';
import type { ThreadReply, ThreadRequest } from '../thread-protocol';

const port = parentPort;
if (!port) throw new Error('runs as a worker thread only');
const send = (reply: ThreadReply): void => port.postMessage(reply);
port.on('message', (request: ThreadRequest) => {
  if (request.jobId === 'crash') throw new Error('simulated crash');
  if (!request.params && request.version > 0) send({ kind: 'needs-parameters', id: request.id });
  else send({ kind: 'computed', id: request.id, sums: [request.params ?? []], metrics: [], computeMs: 0 });
});
send({ kind: 'ready', backend: { name: 'cpu', device: 'cpu' } });
