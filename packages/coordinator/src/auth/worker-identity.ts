import { certificateIdentity, type grpc, isBoundWorkerId, unboundWorkerIdReason } from '@metatrain/contract';
import { PermissionDeniedError } from '../grpc/grpc-errors';

/** A WorkerService call: what its connection's TLS verified is known per call. */
type WorkerCall = Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getAuthContext'>;

/**
 * With mutual TLS, refuses a worker id the caller's certificate does not bind (certificate-identity.ts),
 * so that no other client can register, heartbeat or report under a worker's id, and so get it
 * quarantined. Without a verified client certificate there is nothing to bind to: the auth
 * interceptor has already refused WorkerService calls without one where GRPC_TLS_CLIENT_CA is set.
 * @param field the wire name of the id, for the message: `worker_id`, `header.worker_id`
 * @throws {PermissionDeniedError} naming the field, the id and the certificate's identity.
 */
export function checkWorkerIdentity(call: WorkerCall, field: string, workerId: string): void {
  const peer = call.getAuthContext().sslPeerCertificate;
  if (!peer) return;
  const identity = certificateIdentity(peer.raw);
  if (identity === undefined) throw new PermissionDeniedError(field, 'the client certificate names no identity (a CN, or a DNS or URI subjectAltName) to bind a worker id to');
  if (!isBoundWorkerId(workerId, identity)) throw new PermissionDeniedError(field, unboundWorkerIdReason(workerId, identity));
}
