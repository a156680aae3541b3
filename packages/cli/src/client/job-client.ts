import {
  type AdaptRequest,
  type AdaptResponse,
  channelCredentials,
  type ClientTls,
  type ExportModelResponse,
  grpc,
  type Job,
  type JobEvent,
  JobServiceClient,
  type JobState,
  readCertificates,
  type SubmitJobResponse,
  TlsFileError,
  toFileChunks,
  type WorkerInfo,
  writeAll,
} from '@metatrain/contract';
import { CliFailure, EXIT_USAGE } from '../cli-errors';
import { coordinatorAddress } from './coordinator-address';
import { type CallContext, grpcFailure } from './grpc-failure';

export interface JobClientOptions {
  /** host:port of the coordinator's gRPC server */
  address: string;
  /** sent as `authorization: Bearer <token>` on every call when set (METATRAIN_TOKEN) */
  token?: string;
  /** TLS when set (METATRAIN_TLS_CA, METATRAIN_TLS); plaintext otherwise */
  tls?: ClientTls;
  /** deadline of every unary call but Adapt. @default 10_000 */
  deadlineMs?: number;
  /** deadline of Adapt, which computes. @default 120_000 */
  adaptDeadlineMs?: number;
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (error: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

/** Jobs fetched per ListJobs page. */
const PAGE_SIZE = 200;

/**
 * The CLI's side of JobService: every unary call has a deadline, every call carries the token
 * when there is one, and every failure becomes one CliFailure line (grpcFailure). Streams
 * have no deadline (a watch lasts as long as the job); an AbortSignal cancels them.
 */
export class JobClient {
  private closed = false;

  private constructor(
    private readonly client: JobServiceClient,
    private readonly options: Required<Omit<JobClientOptions, 'token' | 'tls'>> & { token: string | undefined; tls: boolean },
  ) {}

  /** A client of the coordinator at `address`; grpc-js connects on the first call. Close it when done. */
  static create(options: JobClientOptions): JobClient {
    const client = new JobServiceClient(options.address, channelCredentials(options.tls));
    const token = options.token === '' ? undefined : options.token;
    return new JobClient(client, { address: options.address, token, tls: options.tls !== undefined, deadlineMs: options.deadlineMs ?? 10_000, adaptDeadlineMs: options.adaptDeadlineMs ?? 120_000 });
  }

  get address(): string {
    return this.options.address;
  }

  async submitJob(spec: string): Promise<SubmitJobResponse> {
    return this.unary(this.client.submitJob, { spec });
  }

  async getJob(jobId: string): Promise<Job> {
    const { job } = await this.unary(this.client.getJob, { jobId });
    if (!job) throw new CliFailure(`the coordinator at ${this.address} answered GetJob without a job`);
    return job;
  }

  /** Every job (all pages), newest first; only those in `states` when given. */
  async listJobs(states: JobState[] = []): Promise<Job[]> {
    const jobs: Job[] = [];
    let pageToken = '';
    do {
      const page = await this.unary(this.client.listJobs, { states, pageSize: PAGE_SIZE, pageToken });
      jobs.push(...page.jobs);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return jobs;
  }

  async cancelJob(jobId: string, reason: string): Promise<Job> {
    const { job } = await this.unary(this.client.cancelJob, { jobId, reason });
    if (!job) throw new CliFailure(`the coordinator at ${this.address} answered CancelJob without a job`);
    return job;
  }

  async listWorkers(): Promise<WorkerInfo[]> {
    return (await this.unary(this.client.listWorkers, {})).workers;
  }

  async adapt(request: AdaptRequest): Promise<AdaptResponse> {
    return this.unary(this.client.adapt, request, this.options.adaptDeadlineMs);
  }

  /**
   * The job's events: the current state first, then its stored history (rounds and
   * evaluations), then live events; ends after a final state — or after the history when
   * `historyOnly` — or quietly when `signal` aborts.
   */
  watchJob(jobId: string, signal?: AbortSignal, historyOnly = false): AsyncGenerator<JobEvent> {
    return this.stream((metadata) => this.client.watchJob({ jobId, historyOnly }, metadata), signal, (m) => m.event);
  }

  /**
   * Stores a data file with the coordinator (UploadData, content-addressed) and returns how a
   * spec names it, `sha256:<hex>`. The deadline grows with the size (at least 1 MB/s).
   */
  uploadData(bytes: Uint8Array): Promise<string> {
    const deadlineMs = this.options.deadlineMs + bytes.length / 1000;
    return new Promise((resolve, reject) => {
      let answered = false;
      const call = this.client.uploadData(this.metadata(), { deadline: new Date(Date.now() + deadlineMs) }, (error, response) => {
        answered = true;
        if (error) reject(grpcFailure(error, this.context(deadlineMs)));
        else resolve(response.reference);
      });
      // A refused upload is answered early (its size, from the first chunk): the rest is not sent.
      writeAll(call, toFileChunks(bytes).map((chunk) => ({ chunk })), () => answered)
        .then((complete) => complete && call.end())
        .catch(() => undefined); // the call's own error reaches the callback
    });
  }

  /** The export's file chunks in order; ends quietly when `signal` aborts. */
  exportModel(jobId: string, signal?: AbortSignal): AsyncGenerator<ExportModelResponse> {
    return this.stream((metadata) => this.client.exportModel({ jobId }, metadata), signal, (m) => m);
  }

  /** Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }

  private context(deadlineMs?: number): CallContext {
    return { address: this.address, tokenSent: this.options.token !== undefined, tls: this.options.tls, ...(deadlineMs === undefined ? {} : { deadlineMs }) };
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.options.token !== undefined) metadata.set('authorization', `Bearer ${this.options.token}`);
    return metadata;
  }

  private unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, deadlineMs = this.options.deadlineMs): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(this.client, request, this.metadata(), { deadline: new Date(Date.now() + deadlineMs) }, (error, response) =>
        error ? reject(grpcFailure(error, this.context(deadlineMs))) : resolve(response),
      );
    });
  }

  private async *stream<M, T>(open: (metadata: grpc.Metadata) => grpc.ClientReadableStream<M>, signal: AbortSignal | undefined, pick: (message: M) => T | undefined): AsyncGenerator<T> {
    if (signal?.aborted) return;
    const call = open(this.metadata());
    const cancel = () => call.cancel();
    signal?.addEventListener('abort', cancel);
    try {
      for await (const message of call as AsyncIterable<M>) {
        const item = pick(message);
        if (item !== undefined) yield item;
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw grpcFailure(error as grpc.ServiceError, this.context());
    } finally {
      signal?.removeEventListener('abort', cancel);
      call.cancel(); // the consumer may stop early; after the end this does nothing
    }
  }
}

/** METATRAIN_TOKEN, when set and not empty. */
export function tokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env.METATRAIN_TOKEN;
  return token === undefined || token === '' ? undefined : token;
}

/**
 * TLS to the coordinator: METATRAIN_TLS_CA names the PEM CA certificates that sign its
 * certificate; METATRAIN_TLS=true alone trusts the system's roots. Neither: plaintext.
 * @throws {CliFailure} (exit 2) when the CA file cannot be used or METATRAIN_TLS is not a boolean.
 */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientTls | undefined {
  const caFile = env.METATRAIN_TLS_CA;
  const flag = env.METATRAIN_TLS?.trim().toLowerCase();
  if (flag !== undefined && flag !== '' && !['true', '1', 'yes', 'false', '0', 'no'].includes(flag)) {
    throw new CliFailure(`METATRAIN_TLS: expected true or false, got ${JSON.stringify(env.METATRAIN_TLS)}`, EXIT_USAGE);
  }
  if (caFile === undefined || caFile === '') return flag === 'true' || flag === '1' || flag === 'yes' ? { ca: undefined, keyPair: undefined } : undefined;
  try {
    return { ca: readCertificates({ path: caFile, setting: 'METATRAIN_TLS_CA' }), keyPair: undefined };
  } catch (err) {
    throw err instanceof TlsFileError ? new CliFailure(err.message, EXIT_USAGE) : err;
  }
}

/** A client of the coordinator the flags and environment name (--coordinator, COORDINATOR_ADDR, METATRAIN_TOKEN, METATRAIN_TLS_CA). */
export function connectJobClient(coordinatorFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): JobClient {
  const tls = tlsFromEnv(env);
  return JobClient.create({ address: coordinatorAddress(coordinatorFlag, env), token: tokenFromEnv(env), ...(tls ? { tls } : {}) });
}

/** Runs `fn` with a client of the coordinator the flags name, and closes it afterwards. */
export async function withJobClient<T>(coordinatorFlag: string | undefined, fn: (client: JobClient) => Promise<T>): Promise<T> {
  const client = connectJobClient(coordinatorFlag);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
