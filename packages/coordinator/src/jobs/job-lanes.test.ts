import { grpc } from '@metatrain/contract';
import { paramsEqual } from '@metatrain/core';
import { afterEach, describe, expect, it } from 'vitest';
import { toStatusError } from '../grpc/grpc-errors';
import { settle, trainReport, work } from './testing/simulated-workers';
import { closeCoordinators, coordinator, ended, finalParams, spec } from './testing/test-coordinator';

// A job's lane (pool, backend): chosen once, recorded, kept; a report of another backend refused.
afterEach(closeCoordinators);

const withResources = (name: string, resources: string) => `${spec(name)}resources: ${resources}\n`;

/** Waits (real time) until `condition()` holds, or fails after `ms`. */
async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a job and its lane', () => {
  it("takes the one backend of its pool's workers, records it, and refuses a report of another backend without counting it or changing a bit", async () => {
    const reference = coordinator();
    const { id: refId } = await reference.manager.submit(spec('sine'));
    await work(reference, ended(reference, refId));

    const c = coordinator();
    const { id } = await c.manager.submit(spec('sine'));
    await settle();
    expect(c.lanes.opened).toEqual([{ pool: 'default', backend: 'cpu' }]);
    expect((await c.manager.get(id)).backend).toBe('cpu');

    const shard = c.queue.waiting[0];
    if (!shard) throw new Error('no shard waiting');
    const params = await c.manager.getParameters(id, shard.version);
    if (!params) throw new Error('no parameters');
    const [header, sum] = trainReport(shard, params);
    const refused = await c.manager.reportShard({ ...header, backend: 'wasm' }, sum).catch((e: unknown) => toStatusError(e));
    expect(refused).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: `header.backend: job ${id} is computed on cpu only, not on "wasm"` });

    expect(await work(c, ended(c, id))).toEqual([]);
    expect(await c.manager.get(id)).toMatchObject({ state: 'SUCCEEDED', backends: ['cpu'], backend: 'cpu' });
    expect(paramsEqual(await finalParams(c.storage, id), await finalParams(reference.storage, refId))).toBe(true);
  });

  it('goes to the lane of resources.pool and resources.backend, whatever the workers run', async () => {
    const c = coordinator();
    const { id } = await c.manager.submit(withResources('gpu-job', '{ pool: gpu, backend: wasm }'));
    await settle();
    expect(c.lanes.opened).toEqual([{ pool: 'gpu', backend: 'wasm' }]);
    expect((await c.manager.get(id)).backend).toBe('wasm');
    await c.manager.cancel(id, 'done looking');
  });

  it('refuses at submit, naming resources.backend, a job naming no backend for a pool whose workers run several', async () => {
    const c = coordinator();
    c.workers.backends = ['cpu', 'wasm'];
    const refused = await c.manager.submit(spec('mixed')).catch((e: unknown) => toStatusError(e));
    expect(refused).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'spec: resources.backend: the workers of pool "default" run cpu and wasm, and a job never mixes backends: name one (tensorflow, wasm, cpu)',
    });
    // Naming one is enough.
    expect((await c.manager.submit(withResources('named', '{ backend: wasm }'))).state).toBe('RUNNING');
  });

  it('waits for a worker of its pool before it chooses, and keeps the backend it recorded when resumed elsewhere', async () => {
    const c = coordinator();
    c.workers.backends = [];
    const { id } = await c.manager.submit(spec('early'));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(c.lanes.opened).toEqual([]);
    expect((await c.manager.get(id)).backend).toBeUndefined();
    c.workers.backends = ['wasm'];
    await until(() => c.lanes.opened.length > 0);
    expect(c.lanes.opened).toEqual([{ pool: 'default', backend: 'wasm' }]);
    expect((await c.manager.get(id)).backend).toBe('wasm');
    await c.manager.close();

    // A successor whose workers run cpu now: the job stays on wasm.
    const successor = coordinator({ registry: c.registry, storage: c.storage });
    successor.workers.backends = ['cpu'];
    await successor.manager.resumeAll();
    await settle();
    expect(successor.lanes.opened).toEqual([{ pool: 'default', backend: 'wasm' }]);
  });

  it('fails a job that waited for its pool, naming resources.backend, when the pool comes up with several backends', async () => {
    const c = coordinator();
    c.workers.backends = [];
    const { id } = await c.manager.submit(spec('late-mix'));
    c.workers.backends = ['cpu', 'wasm'];
    await until(ended(c, id));
    expect(await c.manager.get(id)).toMatchObject({
      state: 'FAILED',
      error: 'resources.backend: the workers of pool "default" run cpu and wasm, and a job never mixes backends: name one (tensorflow, wasm, cpu)',
    });
    expect(c.lanes.opened).toEqual([]);
  });
});
