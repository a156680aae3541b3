import { retry } from '@metatrain/core';
import { grpc, type HeartbeatRequest, type HeartbeatResponse, type RegisterWorkerRequest, type RegisterWorkerResponse } from '@metatrain/contract';
import { RegistrationError, WorkerClosedError } from '../errors';
import { describeRpcError, grpcCode } from '../grpc/rpc-errors';

/** The calls a {@link Registration} makes (CoordinatorClient has them). */
export interface RegistrationClient {
  readonly address: string;
  registerWorker(request: RegisterWorkerRequest): Promise<RegisterWorkerResponse>;
  heartbeat(request: HeartbeatRequest): Promise<HeartbeatResponse>;
}

/** Options of {@link Registration.create}. */
export interface RegistrationOptions {
  client: RegistrationClient;
  /** What the worker tells the coordinator about itself. */
  identity: RegisterWorkerRequest;
  /** What each heartbeat reports: the shard in hand (empty when idle) and shards done. */
  status: () => { currentShard: string; shardsDone: number };
  /** Told whether the coordinator quarantines this worker, after every registration and heartbeat answered. */
  onStanding?: (standing: WorkerStanding) => void;
  log: (line: string) => void;
  /** Stops waiting for the coordinator: create() then throws WorkerClosedError. */
  signal?: AbortSignal | undefined;
  /** First wait between registration attempts, doubling up to `maxRetryMs`. @default 1000 */
  firstRetryMs?: number;
  /** @default 15000 */
  maxRetryMs?: number;
}

/** Whether the coordinator refuses this worker's reports, and why. */
export interface WorkerStanding {
  quarantined: boolean;
  reason: string;
}

/** The coordinator's interval when it gives none. */
const DEFAULT_HEARTBEAT_MS = 5000;

// Refusals waiting will not fix: a wrong token, a worker id the coordinator does not accept,
// a server without WorkerService.
const FATAL_CODES: ReadonlySet<grpc.status> = new Set([grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED, grpc.status.INVALID_ARGUMENT, grpc.status.UNIMPLEMENTED]);

/**
 * The worker's membership with the coordinator: RegisterWorker once, then Heartbeat at the
 * interval the coordinator asked for, registering again when a heartbeat answers
 * `registered: false` (the coordinator restarted and forgot its workers). Heartbeat failures
 * are logged once per outage and never stop the worker: membership is for operators
 * (`metatrain workers`), not needed for correctness.
 */
export class Registration {
  private intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failing = false;
  private closed = false;

  private constructor(
    private readonly options: RegistrationOptions,
    response: RegisterWorkerResponse,
  ) {
    this.intervalMs = response.heartbeatIntervalMs || DEFAULT_HEARTBEAT_MS;
  }

  /**
   * Registers, retrying with a log line per attempt while the coordinator cannot be reached,
   * then starts heartbeating.
   * @throws RegistrationError when the coordinator refuses the worker for good;
   *   WorkerClosedError when `signal` aborts the wait.
   */
  static async create(options: RegistrationOptions): Promise<Registration> {
    const { client, log, signal } = options;
    const stopped = (): WorkerClosedError => new WorkerClosedError('stopped while waiting for the coordinator');
    if (signal?.aborted) throw stopped();
    const register = async (): Promise<RegisterWorkerResponse> => {
      try {
        return await client.registerWorker(options.identity);
      } catch (error) {
        const code = grpcCode(error);
        if (code !== undefined && FATAL_CODES.has(code)) throw new RegistrationError(`the coordinator at ${client.address} refused this worker: ${describeRpcError(error)}`);
        throw error;
      }
    };
    const response = await retry(register, {
      initialDelayMs: options.firstRetryMs ?? 1000,
      maxDelayMs: options.maxRetryMs ?? 15_000,
      jitter: 'none',
      signal,
      abortError: stopped,
      // Only a failed call waits: a RegistrationError or a bug has no gRPC code and is thrown.
      transientReason: (error) => (grpcCode(error) === undefined ? undefined : describeRpcError(error)),
      onRetry: ({ reason, delayMs }) => log(`worker: waiting for the coordinator at ${client.address}: ${reason} (retrying in ${delayMs / 1000} s)`),
    });
    const registration = new Registration(options, response);
    options.onStanding?.(standingOf(response));
    registration.schedule();
    return registration;
  }

  /** The heartbeat interval in use (the coordinator's, or 5 s when it gave none). */
  get heartbeatIntervalMs(): number {
    return this.intervalMs;
  }

  /** Sends a heartbeat now (and re-registers when the coordinator forgot this worker). */
  beat(): Promise<void> {
    return (this.inFlight ??= this.heartbeat().finally(() => (this.inFlight = undefined)));
  }

  /**
   * Stops heartbeating. A heartbeat in flight is not waited for: its answer no longer matters,
   * and a coordinator that stalls would hold the shutdown until the call's deadline. Idempotent.
   */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.beat().finally(() => this.schedule());
    }, this.intervalMs);
    // Heartbeats alone must not keep a finished process alive.
    this.timer.unref();
  }

  private async heartbeat(): Promise<void> {
    const { client, identity, log } = this.options;
    try {
      const { currentShard, shardsDone } = this.options.status();
      const answer = await client.heartbeat({ workerId: identity.workerId, currentShard, shardsDone });
      let standing = standingOf(answer);
      if (!answer.registered) {
        log(`worker: the coordinator at ${client.address} does not know this worker (restarted?); registering again`);
        const response = await client.registerWorker(identity);
        this.intervalMs = response.heartbeatIntervalMs || DEFAULT_HEARTBEAT_MS;
        standing = standingOf(response);
      }
      this.options.onStanding?.(standing);
      if (this.failing) log(`worker: the coordinator at ${client.address} answers heartbeats again`);
      this.failing = false;
    } catch (error) {
      if (!this.failing && !this.closed) log(`worker: heartbeat to ${client.address} failed: ${describeRpcError(error)} (will keep trying every ${this.intervalMs / 1000} s)`);
      this.failing = true;
    }
  }
}

function standingOf(answer: { quarantined: boolean; quarantineReason: string }): WorkerStanding {
  return { quarantined: answer.quarantined, reason: answer.quarantineReason };
}
