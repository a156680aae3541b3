// The generated gRPC contract (`metatrain.v1`) and the standard `grpc.health.v1` service, from
// ts-proto over `proto/` (`pnpm gen`). Message names are unique across the generated files, so
// they are re-exported flat.
export * from './gen/metatrain/v1/tensor';
export * from './gen/metatrain/v1/job';
export * from './gen/metatrain/v1/worker';
export * from './gen/grpc/health/v1/health';

/**
 * The grpc-js the generated stubs were built against. Servers and clients should take
 * `Server`, `credentials`, `status`, `Metadata` from here so that one copy is in play.
 */
export * as grpc from '@grpc/grpc-js';
