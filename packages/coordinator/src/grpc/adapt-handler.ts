import type { AdaptQuery, ExportIo, LoadedExport } from '@metatrain/metalearn';
import { bytesLEToFloat32, bytesLEToInt32, type Examples, InputError, wordsToBytesLE } from '@metatrain/core';
import { type AdaptRequest, type AdaptResponse, DataType, type grpc, type Tensor } from '@metatrain/contract';
import type { LazyAdaptEngine } from '../compute/lazy-adapt-engine';
import { loadMetalearn } from '../compute/load-metalearn';
import { InvalidArgumentError, logInternalError, toStatusError, type InternalErrorHandler } from './grpc-errors';

/** Where Adapt finds a job's trained meta-model. */
export interface AdaptExportSource {
  /**
   * The job's export. Throws NotFoundError for an unknown job and FailedPreconditionError
   * when it has no export yet; both reach the client as their status.
   */
  loadExport(jobId: string): Promise<LoadedExport>;
}

export interface AdaptHandlerOptions {
  /** Where adaptations are computed: compute threads off the event loop. */
  engine: LazyAdaptEngine;
  /** Receives failures that are the server's fault. @default logInternalError */
  onInternalError?: InternalErrorHandler;
  /** Receives the line saying which backend computes adaptations. @default stderr */
  log?: (line: string) => void;
}

/** A request tensor checked against its own shape; its element type is checked later, against the model. */
interface WireTensor {
  field: string;
  shape: number[];
  tensor: Tensor;
}

const dtypeName = (dtype: DataType) => (dtype === DataType.FLOAT32 ? 'FLOAT32' : dtype === DataType.INT32 ? 'INT32' : `${dtype} (unspecified)`);
const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function wireTensor(field: string, tensor: Tensor | undefined): WireTensor | undefined {
  if (!tensor) return undefined;
  const { shape } = tensor;
  if (shape.length === 0) throw new InvalidArgumentError(`${field}.shape`, 'is empty; it needs an example axis first, [n, ...]');
  if (shape[0] === 0) throw new InvalidArgumentError(`${field}.shape`, `[${shape.join(', ')}] holds no example`);
  const expected = product(shape) * 4;
  if (tensor.data.length !== expected) {
    throw new InvalidArgumentError(`${field}.data`, `${tensor.data.length} bytes, but shape [${shape.join(', ')}] needs ${expected} (4 per value)`);
  }
  return { field, shape: [...shape], tensor };
}

function inputsOf(t: WireTensor, io: ExportIo): Float32Array {
  if (t.tensor.dtype !== DataType.FLOAT32) throw new InvalidArgumentError(`${t.field}.dtype`, `is ${dtypeName(t.tensor.dtype)}; inputs are FLOAT32`);
  const perExample = product(t.shape.slice(1));
  if (perExample !== io.exampleSize) {
    throw new InvalidArgumentError(
      `${t.field}.shape`,
      `[${t.shape.join(', ')}] has ${perExample} values per example; the model takes input shape [${io.inputShape.join(', ')}] (${io.exampleSize} value${io.exampleSize === 1 ? '' : 's'})`,
    );
  }
  return bytesLEToFloat32(t.tensor.data, `${t.field}.data`);
}

function targetsOf(t: WireTensor, io: ExportIo, examples: number, inputsField: string): Float32Array | Int32Array {
  const [n] = t.shape;
  if (n !== examples) throw new InvalidArgumentError(`${t.field}.shape`, `[${t.shape.join(', ')}] has ${n} targets for the ${examples} examples of ${inputsField}`);
  if (io.kind === 'classification') {
    if (t.tensor.dtype !== DataType.INT32) throw new InvalidArgumentError(`${t.field}.dtype`, `is ${dtypeName(t.tensor.dtype)}; classification targets are INT32 class indices`);
    if (t.shape.length !== 1) throw new InvalidArgumentError(`${t.field}.shape`, `[${t.shape.join(', ')}]: classification targets are one class index per example, [${examples}]`);
    return bytesLEToInt32(t.tensor.data, `${t.field}.data`);
  }
  if (t.tensor.dtype !== DataType.FLOAT32) throw new InvalidArgumentError(`${t.field}.dtype`, `is ${dtypeName(t.tensor.dtype)}; regression targets are FLOAT32`);
  const outputs = io.outputs ?? 1;
  if (product(t.shape.slice(1)) !== outputs) {
    throw new InvalidArgumentError(`${t.field}.shape`, `[${t.shape.join(', ')}]: the model predicts ${outputs} value(s) per example, [${examples}, ${outputs}]`);
  }
  return bytesLEToFloat32(t.tensor.data, `${t.field}.data`);
}

/** adaptExport names its inputs `support.inputs`, `query`…; the wire names them `support_inputs`, `query_inputs`. */
function wireField(field: string): string {
  if (field === 'support' || field === 'query') return `${field}_inputs`;
  return field.replace('.', '_');
}

function checkOptions(request: AdaptRequest, MAX_ADAPT_STEPS: number): { steps?: number; lr?: number } {
  if (request.steps > MAX_ADAPT_STEPS) throw new InvalidArgumentError('steps', `${request.steps} is more than ${MAX_ADAPT_STEPS}`);
  if (!Number.isFinite(request.lr) || request.lr < 0) throw new InvalidArgumentError('lr', `must be a positive number (0: the job's inner lr), got ${request.lr}`);
  return { ...(request.steps > 0 ? { steps: request.steps } : {}), ...(request.lr > 0 ? { lr: request.lr } : {}) };
}

async function adapt(source: AdaptExportSource, request: AdaptRequest, engines: LazyAdaptEngine, log: (line: string) => void): Promise<AdaptResponse> {
  const { exportIo, MAX_ADAPT_STEPS } = await loadMetalearn(log);
  if (request.jobId === '') throw new InvalidArgumentError('job_id', 'must not be empty');
  const options = checkOptions(request, MAX_ADAPT_STEPS);
  const supportInputs = wireTensor('support_inputs', request.supportInputs);
  const supportTargets = wireTensor('support_targets', request.supportTargets);
  const queryInputs = wireTensor('query_inputs', request.queryInputs);
  const queryTargets = wireTensor('query_targets', request.queryTargets);
  if (!supportInputs) throw new InvalidArgumentError('support_inputs', 'missing: the support set to adapt on');
  if (!supportTargets) throw new InvalidArgumentError('support_targets', 'missing: the support set to adapt on');
  if (queryTargets && !queryInputs) throw new InvalidArgumentError('query_inputs', 'missing, but query_targets are set');

  const loaded = await source.loadExport(request.jobId);
  const io = exportIo(loaded.meta);
  const n = supportInputs.shape[0] as number;
  const support: Examples = { x: inputsOf(supportInputs, io), y: targetsOf(supportTargets, io, n, 'support_inputs'), n };
  let query: AdaptQuery | undefined;
  if (queryInputs) {
    const m = queryInputs.shape[0] as number;
    query = { x: inputsOf(queryInputs, io), n: m, ...(queryTargets ? { y: targetsOf(queryTargets, io, m, 'query_inputs') } : {}) };
  }
  const engine = await engines.get();
  engines.hold(engine, request.jobId, loaded);
  let result;
  try {
    result = await engine.adapt(request.jobId, { support, ...(query ? { query } : {}), options });
  } catch (err) {
    if (err instanceof InputError) throw new InvalidArgumentError(wireField(err.field), err.reason);
    throw err;
  }
  return {
    predictions: query
      ? { shape: [query.n, result.predictionWidth], dtype: DataType.FLOAT32, data: wordsToBytesLE(result.predictions) }
      : undefined,
    supportLosses: result.supportLosses,
    queryLoss: result.queryLossAfter,
    queryAccuracy: result.queryAccuracyAfter,
    queryLossBefore: result.queryLossBefore,
    queryAccuracyBefore: result.queryAccuracyBefore,
    steps: result.steps,
  };
}

/**
 * JobService.Adapt: adapts a job's exported meta-model to the task the request carries
 * (adaptExport, as `metatrain adapt <exportDir>` does locally, computed by the AdaptEngine's
 * thread, as `metatrain serve` does) and predicts its query inputs.
 * Input tensors are [n, ...] with the export's input shape, or any shape with the same number
 * of values per example ([n, 784] for [28, 28, 1]); regression targets are FLOAT32 [n] or
 * [n, outputs], class targets INT32 [n]. Bad input is INVALID_ARGUMENT naming the field.
 */
export function adaptHandler(source: AdaptExportSource, options: AdaptHandlerOptions): grpc.handleUnaryCall<AdaptRequest, AdaptResponse> {
  const onInternal = options.onInternalError ?? logInternalError;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  return (call, callback) => {
    adapt(source, call.request, options.engine, log).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toStatusError(error, onInternal)),
    );
  };
}
