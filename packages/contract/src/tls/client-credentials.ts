import * as grpc from '@grpc/grpc-js';
import type { KeyPair } from './pem-files';

/** How a client (worker or CLI) secures its channel to the coordinator; undefined: plaintext. */
export interface ClientTls {
  /** CA certificates that sign the coordinator's certificate; undefined: the system's trusted roots. */
  ca: Buffer | undefined;
  /** A client certificate to present (a worker's, for mutual TLS). */
  keyPair: KeyPair | undefined;
}

/** The grpc-js channel credentials for `tls`: TLS when given, plaintext otherwise. */
export function channelCredentials(tls: ClientTls | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca ?? null, tls.keyPair?.key ?? null, tls.keyPair?.cert ?? null);
}

