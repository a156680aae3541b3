import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { writeAll } from './write-all';

/** A stream whose buffer holds `capacity` messages until someone calls `flush()`. */
class FakeStream extends EventEmitter {
  readonly written: number[] = [];
  private buffered = 0;

  constructor(private readonly capacity: number) {
    super();
  }

  write(message: number): boolean {
    this.written.push(message);
    this.buffered += 1;
    return this.buffered < this.capacity;
  }

  flush(): void {
    this.buffered = 0;
    this.emit('drain');
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('writeAll', () => {
  it('waits for drain whenever the buffer is full', async () => {
    const stream = new FakeStream(2);
    const writing = writeAll(stream, [1, 2, 3, 4, 5], () => false);
    await tick();
    expect(stream.written).toEqual([1, 2]);
    stream.flush();
    await tick();
    expect(stream.written).toEqual([1, 2, 3, 4]);
    stream.flush();
    await expect(writing).resolves.toBe(true);
    expect(stream.written).toEqual([1, 2, 3, 4, 5]);
    expect(stream.listenerCount('drain')).toBe(0);
  });

  it.each(['close', 'cancelled', 'status'])('stops when the call ends (%s) while it waits', async (event) => {
    const stream = new FakeStream(1);
    let ended = false;
    const writing = writeAll(stream, [1, 2, 3], () => ended);
    await tick();
    ended = true;
    stream.emit(event);
    await expect(writing).resolves.toBe(false);
    expect(stream.written).toEqual([1]);
    expect(stream.listenerCount('close') + stream.listenerCount('drain')).toBe(0);
  });
});
