import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointStore, DirectoryStore } from '@metatrain/storage';
import { createComputeContext, runRoundInProcess, selectBackend } from '@metatrain/metalearn';
import { createTaskFamily, initialState, paramsEqual, parseSpecText, storageKeys } from '@metatrain/core';
import { grpc, JobServiceClient, JobState } from '@metatrain/contract';
import { Worker } from '@metatrain/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome, unary } from '../support/grpc-calls';
import { type InProcessCoordinator, startInProcessCoordinator } from '../support/in-process-coordinator';

// Bad job specs of every kind, submitted over gRPC while another job runs on a real worker:
// each is INVALID_ARGUMENT naming the field, none is registered, the coordinator keeps
// serving, and the running job ends with exactly the parameters of an undisturbed run.

const GOOD = `name: bystander
algorithm: maml
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 1, lr: 0.01 }
outer: { lr: 0.003, metaBatchSize: 4, iterations: 60 }
shardSize: 2
checkpoint: { everyRounds: 60 }
seed: 11
`;

/** The good spec with one line replaced (or added), so each bad spec differs in one thing. */
const variant = (from: string, to: string) => {
  if (!GOOD.includes(from)) throw new Error(`not in the spec: ${from}`);
  return GOOD.replace(from, to);
};

/** [what is wrong, spec text, text the INVALID_ARGUMENT details must contain]. */
const BAD_SPECS: Array<[string, string, string]> = [
  ['a wrong type', variant('lr: 0.003', 'lr: fast'), 'outer.lr'],
  ['an unknown top-level key', `${GOOD}colour: red\n`, 'colour: unknown key'],
  ['an unknown nested key', variant('lr: 0.01 }', 'lr: 0.01, momentum: 0.9 }'), 'inner.momentum: unknown key'],
  ['a zero learning rate', variant('lr: 0.01 }', 'lr: 0 }'), 'inner.lr'],
  ['a negative learning rate', variant('lr: 0.003', 'lr: -0.003'), 'outer.lr'],
  ['an infinite learning rate', variant('lr: 0.003', 'lr: .inf'), 'outer.lr'],
  ['a NaN learning rate', variant('lr: 0.003', 'lr: .nan'), 'outer.lr'],
  ['a meta-batch over the limit', variant('metaBatchSize: 4', 'metaBatchSize: 5000'), "outer.metaBatchSize: 5,000 is above this coordinator's limit of 1,000 (MAX_META_BATCH_SIZE)"],
  ['a model over the limit', variant('hidden: [16, 16]', 'hidden: [4000, 4000]'), 'model: 16,016,001 parameters are above'],
  ['tasks over the limit', variant('shots: 5,', 'shots: 50000,'), '(MAX_TASK_EXAMPLES)'],
  ['an unknown algorithm', variant('algorithm: maml', 'algorithm: magic'), 'algorithm'],
  ['an unknown model', variant('{ kind: mlp, hidden: [16, 16] }', '{ kind: transformer }'), 'model.kind'],
  ['an unknown task family', variant('family: sinusoid', 'family: imagenet'), 'tasks.family'],
  ['a missing dataset', variant('{ family: sinusoid, shots: 5, queryShots: 5 }', '{ family: omniglot, path: no/such.zip, shots: 1 }'), 'tasks.path'],
  ['a corrupt zip', variant('{ family: sinusoid, shots: 5, queryShots: 5 }', '{ family: omniglot, path: corrupt.zip, shots: 1 }'), 'tasks.path: cannot read'],
  ['a corrupt CSV', variant('{ family: sinusoid, shots: 5, queryShots: 5 }', '{ family: csv, path: corrupt.csv, taskColumn: city, target: price, shots: 1 }'), 'is not valid CSV'],
  ['invalid YAML', 'name: [unclosed\nalgorithm: maml', '(spec): not valid YAML or JSON'],
  ['a list instead of a mapping', '[1, 2, 3]', '(spec): must be a mapping'],
  ['JSON with a wrong type', JSON.stringify({ ...parseSpecText(GOOD), seed: 'eleven' }), 'seed'],
  ['an empty spec', '  \n', 'spec: must not be empty'],
  ['binary garbage', randomBytes(512).toString('latin1'), 'spec'],
];

let cluster: InProcessCoordinator;
let worker: Worker;
let jobs: JobServiceClient;

beforeAll(async () => {
  cluster = await startInProcessCoordinator();
  await writeFile(join(cluster.dir, 'corrupt.zip'), randomBytes(4096));
  await writeFile(join(cluster.dir, 'corrupt.csv'), 'city,price\n"never closed,1\n');
  const { coordinator, redis, prefix } = cluster;
  worker = await Worker.create({ coordinatorAddress: coordinator.grpcAddress, redisUrl: redis.url, queuePrefix: prefix, backend: 'wasm', workerId: 'bystander-worker', log: () => undefined });
  jobs = new JobServiceClient(coordinator.grpcAddress, grpc.credentials.createInsecure());
  await selectBackend({ prefer: 'wasm', log: () => undefined }); // the reference run below, on the worker's backend
});
afterAll(async () => {
  jobs?.close();
  await worker?.close();
  await cluster?.close();
});

async function waitForEnd(jobId: string): Promise<JobState> {
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const state = (await unary(jobs, jobs.getJob, { jobId })).job?.state;
    if (state !== undefined && [JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED].includes(state)) return state;
  }
  throw new Error(`job ${jobId} did not end`);
}

describe('bad specs next to a running job', () => {
  it('are each refused INVALID_ARGUMENT naming the field; the running job ends with the undisturbed parameters', async () => {
    const { jobId } = await unary(jobs, jobs.submitJob, { spec: GOOD });
    const answers = [];
    for (const [what, spec] of BAD_SPECS) answers.push([what, await outcome(unary(jobs, jobs.submitJob, { spec }))]);
    // The garbage arrived while the job ran.
    expect((await unary(jobs, jobs.getJob, { jobId })).job?.state).toBe(JobState.RUNNING);
    expect(answers).toEqual(BAD_SPECS.map(([what, , field]) => [what, { code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining(field) }]));
    // No stack traces, no internal errors: one line per problem.
    for (const [, answer] of answers) expect(JSON.stringify(answer)).not.toMatch(/\bat \S+:\d+:\d+|internal error/);

    expect(await waitForEnd(jobId)).toBe(JobState.SUCCEEDED);
    expect((await unary(jobs, jobs.listJobs, { states: [], pageSize: 0, pageToken: '' })).jobs.map((j) => j.id)).toEqual([jobId]);

    const spec = parseSpecText(GOOD);
    const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
    let state = initialState(ctx);
    for (let r = 0; r < spec.outer.iterations; r++) state = runRoundInProcess(ctx, state).state;
    const final = await new CheckpointStore(new DirectoryStore(cluster.dir), storageKeys.coordinatorJob(jobId)).loadLatest();
    expect(final?.version).toBe(spec.outer.iterations);
    expect(paramsEqual(final?.params ?? [], state.params)).toBe(true);
  });
});
