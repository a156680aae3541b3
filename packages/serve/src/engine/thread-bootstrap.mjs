// Entry of a serve compute thread (the same bootstrap as the worker's). On Node 20, `--import tsx` in a worker's execArgv does not
// apply to the worker's own entry (nodejs/node#47747, fixed in 22.2), so this plain-JS file
// registers tsx's loader itself, when the thread's module is TypeScript, and then imports it.
import { workerData } from 'node:worker_threads';

if (workerData.tsx) {
  const { register } = await import(workerData.tsx);
  register();
}
await import(workerData.entry);
