// Preload (`node --import tsx --import <this file> main.ts`) for test/light-start.test.ts: logs,
// one JSON line each, every module the process's main thread resolves and loads, to the file
// named by METATRAIN_LOAD_LOG, and at exit whether TensorFlow.js's engine exists in the main
// thread. Registered after tsx, so its hooks see every specifier as written in the source.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const file = process.env.METATRAIN_LOAD_LOG;
// Only the main thread: a worker thread that ran this preload (one started with the parent's
// execArgv) would log its own loads, which the compute thread is allowed.
if (file && isMainThread) {
  register('./load-log-hooks.mjs', import.meta.url, { data: { file } });
  // tfjs-core creates its engine on the global object when it loads (`global._tfengine`),
  // and every thread has a global of its own: a check independent of how modules are loaded.
  process.on('exit', () => appendFileSync(file, `${JSON.stringify({ exit: true, tfjsEngine: '_tfengine' in globalThis })}\n`));
}
