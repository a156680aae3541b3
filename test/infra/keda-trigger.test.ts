import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileCoordinatorOptions, Coordinator, COORDINATOR_ENV, coordinatorOptionsFromEnv, QUEUE_DEPTH_PATH, BullShardQueue } from '@metatrain/coordinator';
import { type BackendName, groupBlocks } from '@metatrain/core';
import { laneQueueName, shardQueueKeys } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Test-only BullMQ access (tests in test/ cannot import bullmq themselves).
import { QueueProbe } from '@metatrain/coordinator/testing';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { RenderedOverlay, selects, type ServiceSpec } from './support/overlay';
import type { K8sObject } from './support/yaml-files';

// The KEDA trigger of infra/k8s must count what the code really enqueues. BullMQ keeps
// prioritized jobs in `<prefix>:<queue>:prioritized`, and every shard has a priority, so the
// redis list scaler's LLEN of `:wait` would read 0 with a backlog. The ScaledObject reads the
// coordinator's /queue-depth instead: here its URL, field and credentials are checked against
// the code, and the count it reads against a live queue that the coordinator of the manifest
// (its environment, from the rendered overlay) serves.

interface Trigger {
  type: string;
  metadata: Record<string, string>;
  authenticationRef: { name: string };
}
type ScaledObject = K8sObject & { spec: { triggers: Trigger[] } };
type TriggerAuthentication = K8sObject & { spec: { secretTargetRef: Array<{ parameter: string; name: string; key: string }> } };
type Service = K8sObject & { spec: ServiceSpec };

const overlay = RenderedOverlay.render('cpu');
const [trigger] = overlay.get<ScaledObject>('ScaledObject', 'metatrain-worker').spec.triggers;
if (!trigger) throw new Error('the ScaledObject has no trigger');
const url = new URL(trigger.metadata.url ?? '');
const coordinatorContainer = overlay.container('metatrain-coordinator', 'coordinator');
const manifestEnv = overlay.env(coordinatorContainer);
const workerEnv = overlay.env(overlay.container('metatrain-worker', 'worker'));
/** The queue of the workers' lane: their pool, on their backend. */
const workerQueue = laneQueueName(workerEnv.METATRAIN_QUEUE_NAME ?? '', { pool: workerEnv.WORKER_POOL ?? '', backend: workerEnv.METATRAIN_BACKEND as BackendName });

/** The one secretTargetRef of the trigger's TriggerAuthentication. */
function tokenRef() {
  const refs = overlay.get<TriggerAuthentication>('TriggerAuthentication', trigger?.authenticationRef.name ?? '').spec.secretTargetRef;
  expect(refs.map((r) => r.parameter)).toEqual(['token']); // metrics-api's bearer mode reads `token`
  return refs[0] as { name: string; key: string };
}

/** The value at a GJSON path of plain field names (`a.b`), the only GJSON these manifests use. */
function valueAt(json: unknown, path: string): unknown {
  expect(path).toMatch(/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/);
  return path.split('.').reduce<unknown>((v, key) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined), json);
}

describe.each([
  ['cpu', 'metatrain-worker', 'default', 'wasm'],
  ['gpu', 'metatrain-worker', 'default', 'tensorflow'],
  ['gpu', 'metatrain-worker-cpu', 'cpu', 'wasm'],
])('overlay %s, Deployment %s', (name, deployment, pool, backend) => {
  it(`serves the pool ${pool} on ${backend}, and its ScaledObject scales it on that pool's backlog`, () => {
    const rendered = RenderedOverlay.render(name);
    const env = rendered.env(rendered.container(deployment, 'worker'));
    expect([env.WORKER_POOL, env.METATRAIN_BACKEND]).toEqual([pool, backend]);
    const scaled = rendered.get<ScaledObject & { spec: { scaleTargetRef: { name: string } } }>('ScaledObject', deployment);
    expect(scaled.spec.scaleTargetRef.name).toBe(deployment);
    const triggerUrl = new URL(scaled.spec.triggers[0]?.metadata.url ?? '');
    expect(`${triggerUrl.origin}${triggerUrl.pathname}`).toBe(`${url.origin}${url.pathname}`);
    expect(triggerUrl.searchParams.get('pool')).toBe(pool);
    // The image of its backend: the GPU image for tensorflow, the CPU one for wasm.
    expect(rendered.container(deployment, 'worker').image?.split(':')[0]).toBe(backend === 'tensorflow' ? 'metatrain-worker-gpu' : 'metatrain-worker');
  });
});

describe('the KEDA trigger of the worker Deployment', () => {
  it('reads /queue-depth of the coordinator Service, as JSON, with the bearer token', () => {
    expect(trigger.type).toBe('metrics-api');
    expect(trigger.metadata).toMatchObject({ format: 'json', authMode: 'bearer' });
    expect(url.pathname).toBe(QUEUE_DEPTH_PATH);
    // The backlog of the workers' own pool.
    expect(url.searchParams.get('pool')).toBe(workerEnv.WORKER_POOL);
    // KEDA runs in its own namespace: the URL needs the Service's full name.
    const pods = overlay.workload('Deployment', 'metatrain-coordinator').spec.template.metadata?.labels;
    const services = overlay.ofKind<Service>('Service').filter((s) => selects(s.spec.selector, pods));
    expect(services.map((s) => `${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local`)).toEqual([url.hostname]);
    const port = services[0]?.spec.ports?.find((p) => p.port === Number(url.port));
    const httpPort = compileCoordinatorOptions(coordinatorOptionsFromEnv(manifestEnv)).httpPort;
    expect(coordinatorContainer.ports?.find((p) => p.name === port?.targetPort)?.containerPort).toBe(httpPort);
  });

  it('takes its token from the Secret key the coordinator reads its token from', () => {
    const ref = tokenRef();
    expect(ref.key).toBe(COORDINATOR_ENV.token);
    const coordinatorToken = coordinatorContainer.env?.find((v) => v.name === COORDINATOR_ENV.token)?.valueFrom?.secretKeyRef;
    expect(coordinatorToken).toMatchObject({ name: ref.name, key: ref.key });
  });

  describe('against a live queue', () => {
    let redis: RedisTestServer;
    let storageDir: string;
    let coordinator: Coordinator;
    let queue: BullShardQueue;
    let probe: QueueProbe;
    const token = () => overlay.key('Secret', tokenRef().name, tokenRef().key) ?? '';
    const scalerReads = async (headers: Record<string, string> = { authorization: `Bearer ${token()}` }) => {
      const response = await fetch(`http://${coordinator.httpAddress}${url.pathname}${url.search}`, { headers, signal: AbortSignal.timeout(10_000) });
      return { status: response.status, value: response.ok ? valueAt(await response.json(), trigger.metadata.valueLocation ?? '') : undefined };
    };

    beforeAll(async () => {
      // A private server: the manifest's own queue prefix and name are used as they are.
      redis = await startRedisServer({ private: true });
      storageDir = await mkdtemp(join(tmpdir(), 'keda-trigger-'));
      const env = { ...manifestEnv, REDIS_URL: redis.url, STORAGE_URL: pathToFileURL(storageDir).href, GRPC_PORT: '0', HTTP_PORT: '0', BIND_HOST: '127.0.0.1' };
      coordinator = await Coordinator.create({ ...coordinatorOptionsFromEnv(env), log: () => undefined });
      // The producer side as the workers' settings name the queue.
      queue = await BullShardQueue.create({ redisUrl: redis.url, prefix: workerEnv.METATRAIN_QUEUE_PREFIX, queueName: workerQueue });
      probe = await QueueProbe.create(redis.url, queue.prefix, queue.queueName);
    });
    afterAll(async () => {
      await probe?.close();
      await queue?.close();
      await coordinator?.close();
      await redis?.close();
      if (storageDir) await rm(storageDir, { recursive: true, force: true });
    });

    it('counts the shards of an enqueued round, which the wait list does not hold', async () => {
      const keys = shardQueueKeys(workerEnv.METATRAIN_QUEUE_PREFIX, workerQueue);
      expect(probe.bullmqKeys).toEqual({ wait: keys.wait, prioritized: keys.prioritized, active: keys.active, delayed: keys.delayed });
      expect(await scalerReads()).toEqual({ status: 200, value: 0 });
      const plan = groupBlocks([0, 1, 2, 3, 4], 1); // five shards of one block
      await queue.enqueue('keda-abc123', 'train', 0, plan);
      expect(await scalerReads()).toEqual({ status: 200, value: plan.length });
      expect(await probe.zcard(keys.prioritized)).toBe(plan.length);
      expect(await probe.llen(keys.wait)).toBe(0); // what KEDA's redis list scaler would read
    });

    it('keeps counting a shard a worker holds until it is done', async () => {
      const taken = await probe.take();
      if (!taken) throw new Error('no shard to take');
      expect(await scalerReads()).toEqual({ status: 200, value: 5 });
      await probe.complete(taken);
      expect(await scalerReads()).toEqual({ status: 200, value: 4 });
      await probe.drain();
      expect(await scalerReads()).toEqual({ status: 200, value: 0 });
    });

    it('refuses a request without the token', async () => {
      expect((await scalerReads({})).status).toBe(401);
      expect((await scalerReads({ authorization: 'Bearer not-the-token' })).status).toBe(401);
    });
  });
});
