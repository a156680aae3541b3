import { grpc, type HealthCheckResponse, HealthCheckResponse_ServingStatus as Status, type HealthServer } from '@metatrain/contract';

/** Service names the health service answers for; '' is the server as a whole. */
export const HEALTH_SERVICES = ['', 'metatrain.v1.JobService', 'metatrain.v1.WorkerService'] as const;

/**
 * grpc.health.v1 for Kubernetes probes: every service is SERVING while `serving()` says so
 * (the coordinator holds the registry lease and its connections are up), NOT_SERVING otherwise.
 */
export function healthHandlers(serving: () => boolean): HealthServer {
  const status = (service: string): HealthCheckResponse | undefined => {
    if (!(HEALTH_SERVICES as readonly string[]).includes(service)) return undefined;
    return { status: serving() ? Status.SERVING : Status.NOT_SERVING };
  };
  return {
    check: (call, callback) => {
      const answer = status(call.request.service);
      if (answer) callback(null, answer);
      else callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${JSON.stringify(call.request.service)}` });
    },
    list: (_call, callback) => {
      callback(null, { statuses: Object.fromEntries(HEALTH_SERVICES.map((s) => [s, status(s) as HealthCheckResponse])) });
    },
    watch: (call) => {
      // Sends the status now and whenever it changes, until the client goes away.
      let last: Status | undefined;
      const tick = () => {
        const answer = status(call.request.service) ?? { status: Status.SERVICE_UNKNOWN };
        if (answer.status !== last) {
          last = answer.status;
          call.write(answer);
        }
      };
      tick();
      const timer = setInterval(tick, 1000);
      call.on('cancelled', () => clearInterval(timer));
      call.on('close', () => clearInterval(timer));
    },
  };
}
