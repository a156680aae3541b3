import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createComputeContext } from '@metatrain/metalearn';
import { createTaskFamily, encodeParams, type ParamSet, parseSpecText } from '@metatrain/core';
import { grpc, type ReportHeader, type ReportShardRequest, type ReportShardResponse, stackBlockSums, type TensorChunk, toTensorChunks, type WorkerServiceClient } from '@metatrain/contract';

/** How a call ended: the status code and details, or 'OK'. */
export type Outcome = { code: grpc.status; details: string } | 'OK';

const deadline = () => new Date(Date.now() + 15_000);

type Unary<Req, Res> = (request: Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown;

/** Metadata with `authorization: Bearer <token>`, or none when `token` is undefined. */
export function bearer(token: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** A unary call with a deadline; resolves with the response or rejects with the ServiceError. */
export function unary<Req, Res>(client: grpc.Client, method: Unary<Req, Res>, request: Req, metadata = new grpc.Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, { deadline: deadline() }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** How `call` ended, never throwing: for asserting status codes. */
export async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    const { code, details } = error as grpc.ServiceError;
    if (typeof code !== 'number') throw error;
    return { code, details };
  }
}

/** Every message of a server stream, or the ServiceError it ended with. */
export function readStream<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    stream.on('data', (m: T) => messages.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(messages));
  });
}

/** Sends `messages` on a ReportShard call exactly as given (valid or not) and resolves with the answer. */
export function sendReport(client: WorkerServiceClient, messages: ReportShardRequest[], metadata = new grpc.Metadata()): Promise<ReportShardResponse> {
  return new Promise((resolve, reject) => {
    const call = client.reportShard(metadata, { deadline: deadline() }, (error, response) => (error ? reject(error) : resolve(response)));
    for (const message of messages) call.write(message);
    call.end();
  });
}

/** A zero sum in the layout of `specText`'s model: a report the round accepts, as far as its content goes. */
export function zeroSum(specText: string): ParamSet {
  const spec = parseSpecText(specText);
  const { layout } = createComputeContext(spec, createTaskFamily(spec.tasks));
  return layout.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(p.shape.reduce((a, b) => a * b, 1)) }));
}

/** ReportShard's messages: the header, then the block sums, stacked as they travel, in chunks of at most `chunkBytes`. */
export function reportMessages(header: ReportHeader, blockSums: readonly ParamSet[], chunkBytes?: number): ReportShardRequest[] {
  const chunks: TensorChunk[] = toTensorChunks(encodeParams(stackBlockSums(blockSums)), chunkBytes);
  return [{ payload: { $case: 'header', value: header } }, ...chunks.map((value): ReportShardRequest => ({ payload: { $case: 'chunk', value } }))];
}

/** Every file under `dir` with the sha256 of its content, paths relative and sorted. */
export async function snapshotDirectory(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const snapshot: Record<string, string> = {};
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  for (const file of files.sort()) snapshot[relative(dir, file)] = createHash('sha256').update(await readFile(file)).digest('hex');
  return snapshot;
}
