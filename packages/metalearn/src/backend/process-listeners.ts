/**
 * Guards the process-wide error listeners against libraries that install their own.
 * The wasm backend's Emscripten runtime, when it starts in Node, adds an 'uncaughtException'
 * listener and an 'unhandledRejection' listener that both rethrow. Their mere presence changes
 * Node's behaviour: a rejection our own handler would deal with instead crashes the process
 * and dumps a page of minified source.
 */

const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
type GuardedEvent = (typeof EVENTS)[number];
type Listener = (...args: unknown[]) => void;

/** The process as a plain emitter, so both events go through one signature. */
const emitter: NodeJS.EventEmitter = process;

export type ListenerSnapshot = Record<GuardedEvent, readonly Listener[]>;

export function snapshotListeners(): ListenerSnapshot {
  return {
    uncaughtException: emitter.listeners('uncaughtException') as Listener[],
    unhandledRejection: emitter.listeners('unhandledRejection') as Listener[],
  };
}

/** Removes every guarded listener that was not there at `before`; returns how many. */
export function removeListenersAddedSince(before: ListenerSnapshot): number {
  let removed = 0;
  for (const event of EVENTS) {
    const known = new Set(before[event]);
    for (const listener of emitter.listeners(event) as Listener[]) {
      if (known.has(listener)) continue;
      emitter.removeListener(event, listener);
      removed++;
    }
  }
  return removed;
}
