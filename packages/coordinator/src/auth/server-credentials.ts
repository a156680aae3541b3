import { grpc, type KeyPair } from '@metatrain/contract';

/** The gRPC server's TLS setup (GRPC_TLS_CERT, GRPC_TLS_KEY, GRPC_TLS_CLIENT_CA). */
export interface ServerTls extends KeyPair {
  /** CA certificates a worker's client certificate must be signed by; undefined: no mutual TLS. */
  clientCa: Buffer | undefined;
}

/**
 * TLS that asks every client for a certificate and verifies it against `ca`, but lets a
 * client without one (the CLI) connect: grpc-js's own `createSsl(ca, pairs, true)` would
 * refuse it at the handshake. Whether the peer's certificate verified is then known per call
 * (`getAuthContext().sslPeerCertificate`), and the auth interceptor demands it of WorkerService.
 */
class OptionalClientCertificateCredentials extends grpc.ServerCredentials {
  constructor(tls: KeyPair, ca: Buffer) {
    super({ requestCert: true, rejectUnauthorized: false }, { ca, cert: [tls.cert], key: [tls.key] });
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

/** Plaintext without `tls`; TLS with it; and client certificates requested when it has a client CA. */
export function serverCredentials(tls: ServerTls | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  if (!tls.clientCa) return grpc.ServerCredentials.createSsl(null, [{ private_key: tls.key, cert_chain: tls.cert }], false);
  return new OptionalClientCertificateCredentials(tls, tls.clientCa);
}
