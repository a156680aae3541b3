import { X509Certificate } from 'node:crypto';

// With mutual TLS the worker id is bound to the client certificate, so that no other client
// can register, heartbeat or report (and so get quarantined) under a worker's id. Both ends
// use these: the worker to choose and check its id at startup, the coordinator on every call.

/**
 * The identity a certificate names: the subject's CN, or, without one, its first DNS or URI
 * subjectAltName. Undefined when it names neither.
 */
export function certificateIdentity(cert: X509Certificate | Buffer): string | undefined {
  const x509 = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
  const cn = x509.subject.split('\n').find((line) => line.startsWith('CN='));
  if (cn !== undefined) return cn.slice('CN='.length);
  const san = (x509.subjectAltName ?? '').split(', ').find((entry) => entry.startsWith('DNS:') || entry.startsWith('URI:'));
  return san?.slice(4);
}

/** Whether `workerId` is bound to `identity`: the identity itself, or `<identity>:<name>` (workers sharing one certificate). */
export function isBoundWorkerId(workerId: string, identity: string): boolean {
  return workerId === identity || workerId.startsWith(`${identity}:`);
}

/** Why `workerId` may not be claimed with a certificate of `identity`, for an error naming the field or variable. */
export function unboundWorkerIdReason(workerId: string, identity: string): string {
  return `${JSON.stringify(workerId.slice(0, 128))} is not bound to the client certificate's identity ${JSON.stringify(identity)}: with mutual TLS a worker id is that identity or begins with "${identity}:"`;
}
