import type { grpc } from '@metatrain/contract';

/** Lets a gRPC server finish its calls, forcing it shut after `forceAfterMs`: a call left hanging must not hold the process. */
export function shutdownGrpcServer(server: grpc.Server, forceAfterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, forceAfterMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
