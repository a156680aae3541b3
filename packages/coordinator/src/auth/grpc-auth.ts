import { grpc } from '@metatrain/contract';
import { hasBearerToken } from '@metatrain/http';

/** Why a call was refused, as the `reason` label of `metatrain_grpc_refused_total`. */
export type RefusalReason = 'token' | 'client_certificate';

/** What {@link authInterceptor} asks of every call. */
export interface GrpcAuthOptions {
  /** When set, every JobService and WorkerService call needs `authorization: Bearer <token>`. */
  token: string | undefined;
  /** When true, every WorkerService call needs a client certificate the server's CA verified. */
  workerCertificates: boolean;
  /** Hears each refused call (for metrics); never given the presented credentials. */
  onRefused?: (reason: RefusalReason, method: string) => void;
}

// grpc.health.v1 stays open: Kubernetes' gRPC probes cannot send metadata, and it tells
// nothing but SERVING or NOT_SERVING.
const OPEN_SERVICE = '/grpc.health.v1.Health/';
const WORKER_SERVICE = '/metatrain.v1.WorkerService/';

/** Why a call with `metadata` over a connection with `peerVerified` may not proceed, or undefined. */
function refusal(options: GrpcAuthOptions, method: string, metadata: grpc.Metadata, peerVerified: boolean): { reason: RefusalReason; details: string } | undefined {
  if (method.startsWith(OPEN_SERVICE)) return undefined;
  if (options.token !== undefined) {
    const presented = metadata.get('authorization');
    if (presented.length === 0) {
      return { reason: 'token', details: 'missing credentials: this coordinator needs `authorization: Bearer <token>` (METATRAIN_TOKEN) on every call' };
    }
    if (presented.length > 1 || typeof presented[0] !== 'string' || !hasBearerToken(presented[0], options.token)) {
      return { reason: 'token', details: "the bearer token does not match this coordinator's METATRAIN_TOKEN" };
    }
  }
  if (options.workerCertificates && method.startsWith(WORKER_SERVICE) && !peerVerified) {
    return {
      reason: 'client_certificate',
      details: "WorkerService needs a client certificate signed by the coordinator's GRPC_TLS_CLIENT_CA (set WORKER_TLS_CERT and WORKER_TLS_KEY on the worker)",
    };
  }
  return undefined;
}

/**
 * A server interceptor that checks the bearer token and, for WorkerService, the client
 * certificate before any handler sees the call. A refused call is answered UNAUTHENTICATED
 * from the metadata alone: its messages are dropped unread, so nothing it sent can change
 * any state.
 */
export function authInterceptor(options: GrpcAuthOptions): grpc.ServerInterceptor {
  return (method, call) => {
    let refused = false;
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const why = refusal(options, method.path, metadata, call.getAuthContext().sslPeerCertificate !== undefined);
        if (!why) return next(metadata);
        refused = true;
        options.onRefused?.(why.reason, method.path);
        call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: why.details });
      })
      .withOnReceiveMessage((message, next) => {
        if (!refused) next(message);
      })
      .withOnReceiveHalfClose((next) => {
        if (!refused) next();
      })
      .build();
    return new grpc.ServerInterceptingCall(call, { start: (next) => next(listener) });
  };
}
