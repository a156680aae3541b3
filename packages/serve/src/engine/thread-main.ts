// A serve compute thread: loads TensorFlow.js and the exports it is sent, and answers one
// computation at a time (a batch of adaptations, or predictions with an adapted model).
import { parentPort } from 'node:worker_threads';
import { InputError } from '@metatrain/core';
import { adaptExportBatch, type LoadedExport, predictAdapted, selectBackend } from '@metatrain/metalearn';
import type { FromThread, ToThread } from './thread-protocol';

const port = parentPort;
if (!port) throw new Error('thread-main runs as a worker thread');
const post = (message: FromThread) => port.postMessage(message);
const models = new Map<string, LoadedExport>();

function model(key: string): LoadedExport {
  const loaded = models.get(key);
  if (!loaded) throw new Error(`model ${key} was not loaded into this thread`);
  return loaded;
}

function handle(message: ToThread): void {
  if (message.kind === 'load') {
    models.set(message.key, message.loaded);
    return;
  }
  if (message.kind === 'unload') {
    models.delete(message.key);
    return;
  }
  try {
    if (message.kind === 'adapt') {
      const started = performance.now();
      const outcomes = adaptExportBatch(model(message.key), message.tasks).map((o) => (o.ok ? o : { ok: false as const, field: o.error.field, reason: o.error.reason }));
      post({ kind: 'adapted', id: message.id, outcomes, computeMs: performance.now() - started });
    } else {
      try {
        post({ kind: 'predicted', id: message.id, outcome: { ok: true, result: predictAdapted(model(message.key), message.adapted, message.x, message.n) } });
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        post({ kind: 'predicted', id: message.id, outcome: { ok: false, field: err.field, reason: err.reason } });
      }
    }
  } catch (err) {
    post({ kind: 'failed', id: message.id, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
}

try {
  const backend = await selectBackend({ log: (line) => post({ kind: 'log', line: `serve: ${line}` }) });
  port.on('message', handle);
  post({ kind: 'ready', backend: backend.name });
} catch (err) {
  post({ kind: 'init-failed', message: err instanceof Error ? err.message : String(err) });
}
