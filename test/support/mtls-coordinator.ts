import type { CoordinatorOptions } from '@metatrain/coordinator';
import type { grpc } from '@metatrain/contract';
// Test-only certificates made with openssl, as docs/SECURITY.md shows.
import { makeTestCertificates, type TestCertificates } from '@metatrain/contract/testing';
import { type InProcessCoordinator, startInProcessCoordinator } from './in-process-coordinator';

/** A coordinator serving gRPC over TLS with client certificates required of workers, and a token. */
export interface MtlsCoordinator {
  /** The run's CA, the coordinator's certificate and the clients' (contract's makeTestCertificates). */
  readonly certs: TestCertificates;
  readonly cluster: InProcessCoordinator;
  /** `localhost:port`: the certificate names localhost (TLS does not send an IP as the server name). */
  readonly address: string;
  /** A client of `Client` at {@link address} with `credentials`, closed by {@link close}. */
  client<C extends grpc.Client>(Client: new (address: string, credentials: grpc.ChannelCredentials) => C, credentials: grpc.ChannelCredentials): C;
  /** Closes the clients, the coordinator and removes the certificates. */
  close(): Promise<void>;
}

/** Makes certificates for the run and starts a coordinator with GRPC_TLS_CERT/KEY, GRPC_TLS_CLIENT_CA and `token`. */
export async function startMtlsCoordinator(token: string, options: CoordinatorOptions = {}): Promise<MtlsCoordinator> {
  const certs = await makeTestCertificates();
  const cluster = await startInProcessCoordinator({ ...options, token, tlsCertFile: certs.serverCert, tlsKeyFile: certs.serverKey, tlsClientCaFile: certs.caCert }).catch(async (err: unknown) => {
    await certs.close();
    throw err;
  });
  const address = `localhost:${cluster.coordinator.grpcAddress.split(':').at(-1)}`;
  const clients: grpc.Client[] = [];
  return {
    certs,
    cluster,
    address,
    client: (Client, credentials) => {
      const c = new Client(address, credentials);
      clients.push(c);
      return c;
    },
    close: async () => {
      for (const c of clients) c.close();
      await cluster.close();
      await certs.close();
    },
  };
}
