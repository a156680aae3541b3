import { type JobSpec, parseSpecText, resolveTargets } from '@metatrain/core';
import { CliFailure, EXIT_USAGE } from '../cli-errors';
import type { JobClient } from '../client/job-client';
import { fromTensor, toTensor } from '../client/tensor-message';
import type { AdaptOutcome } from './adapt-outcome';
import { asUsageFailure, readExamplesFile } from './examples-file';
import type { AdaptInputs } from './local-adapt';
import { specIo } from './spec-io';

/** The coordinator names the request field (`support_inputs.shape: …`); the user knows the file. */
function withFile(err: unknown, inputs: AdaptInputs): unknown {
  if (!(err instanceof CliFailure) || err.exitCode !== EXIT_USAGE) return err;
  const file = err.message.startsWith('support_') ? inputs.supportFile : err.message.startsWith('query_') ? inputs.queryFile : undefined;
  return file ? new CliFailure(`${file}: ${err.message}`, EXIT_USAGE) : err;
}

/** `metatrain adapt <job>`: the coordinator adapts the job's export (the Adapt RPC). */
export async function adaptRemotely(client: JobClient, jobId: string, inputs: AdaptInputs): Promise<AdaptOutcome> {
  const job = await client.getJob(jobId);
  let spec: JobSpec;
  try {
    spec = parseSpecText(job.spec);
  } catch (err) {
    throw new CliFailure(`cannot read the spec of job ${job.id} (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); adapt an exported directory instead ('metatrain export ${job.id}')`);
  }
  const io = specIo(spec);
  const shape = io.inputShape ? { exampleSize: io.inputShape.reduce((a, b) => a * b, 1), inputShape: io.inputShape } : {};
  const support = await readExamplesFile(inputs.supportFile, { ...shape, targetsOptional: false });
  const query = await readExamplesFile(inputs.queryFile, { ...shape, targetsOptional: true, ...(support.features ? { supportFeatures: support.features } : {}) });
  if (query.width !== support.width) throw new CliFailure(`${query.file}: ${query.width} values per example, but ${support.file} has ${support.width}`, EXIT_USAGE);
  let targets;
  try {
    targets = resolveTargets(support, query, { kind: io.kind, outputs: io.outputs });
  } catch (err) {
    throw asUsageFailure(err);
  }
  const exampleShape = io.inputShape ?? [support.width];
  const targetTensor = (y: Float32Array | Int32Array, n: number) => (io.kind === 'classification' ? toTensor(Int32Array.from(y), [n]) : toTensor(Float32Array.from(y), [n, targets.width]));
  const response = await client
    .adapt({
      jobId: job.id,
      supportInputs: toTensor(support.x, [support.n, ...exampleShape]),
      supportTargets: targetTensor(targets.support, support.n),
      queryInputs: toTensor(query.x, [query.n, ...exampleShape]),
      queryTargets: targets.query ? targetTensor(targets.query, query.n) : undefined,
      steps: inputs.steps ?? 0,
      lr: inputs.lr ?? 0,
    })
    .catch((err: unknown) => {
      throw withFile(err, inputs);
    });
  if (!response.predictions) throw new CliFailure(`the coordinator at ${client.address} answered Adapt without predictions`);
  const predictions = Float32Array.from(fromTensor(response.predictions, 'predictions'));
  const prototypes = spec.algorithm === 'protonet';
  return {
    model: `job ${job.id}`,
    algorithm: spec.algorithm,
    family: spec.tasks.family,
    kind: io.kind,
    method: prototypes ? 'prototypes' : 'sgd',
    steps: response.steps,
    // The coordinator uses the job's inner lr (Meta-SGD: its learned rates) unless told otherwise.
    lr: inputs.lr ?? (spec.algorithm === 'metasgd' ? undefined : spec.inner.lr),
    supportExamples: support.n,
    queryExamples: query.n,
    supportLosses: response.supportLosses,
    ...(response.queryLossBefore === undefined ? {} : { queryLossBefore: response.queryLossBefore }),
    ...(response.queryLoss === undefined ? {} : { queryLossAfter: response.queryLoss }),
    ...(response.queryAccuracyBefore === undefined ? {} : { queryAccuracyBefore: response.queryAccuracyBefore }),
    ...(response.queryAccuracy === undefined ? {} : { queryAccuracyAfter: response.queryAccuracy }),
    predictions,
    width: response.predictions.shape[1] ?? 1,
    ...(targets.classNames ? { classNames: targets.classNames } : {}),
  };
}
