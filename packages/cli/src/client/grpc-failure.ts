import { grpc } from '@metatrain/contract';
import { CliFailure, EXIT_FAILURE, EXIT_USAGE } from '../cli-errors';

/** What a failed call tells us: grpc-js's ServiceError has these. */
export interface CallError {
  code?: number;
  details?: string;
  message?: string;
}

export interface CallContext {
  /** host:port of the coordinator */
  address: string;
  /** whether METATRAIN_TOKEN was sent */
  tokenSent: boolean;
  /** whether the channel uses TLS; when false, an odd connection failure hints at METATRAIN_TLS_CA */
  tls?: boolean;
  /** unary deadline, for the DEADLINE_EXCEEDED message */
  deadlineMs?: number;
}

/** The coordinator prefixes the field (`job_id: no job "x"`); for a missing job or a refused state the job is the subject, so the prefix goes. */
function withoutJobField(details: string): string {
  return details.replace(/^job_id: /, '');
}

/** grpc-js's connection message, `No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: `, cut to its cause. */
function connectionCause(details: string): string {
  const cause = /Last error: (?:Error: )?(.*?)\.?(?: Resolution note:.*)?$/s.exec(details)?.[1];
  return (cause ?? details).trim() || 'unavailable';
}

/**
 * One clear line for a failed gRPC call (no stack trace), with the CLI's exit code: 2 for
 * input the coordinator refused (INVALID_ARGUMENT), 1 for everything else.
 */
export function grpcFailure(error: CallError, context: CallContext): CliFailure {
  const details = (error.details ?? error.message ?? '').trim();
  const at = `the coordinator at ${context.address}`;
  switch (error.code) {
    case grpc.status.UNAVAILABLE: {
      const cause = connectionCause(details);
      // Refused or unresolvable: nothing listens there. Anything else from a plaintext
      // channel may be a TLS server dropping it.
      const tlsHint = context.tls === false && !/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/.test(cause) ? '; if it serves TLS, set METATRAIN_TLS_CA to the CA certificate that signed its certificate' : '';
      return new CliFailure(`cannot reach ${at} (${cause}); is it running? Set it with --coordinator host:port or COORDINATOR_ADDR${tlsHint}`, EXIT_FAILURE);
    }
    case grpc.status.DEADLINE_EXCEEDED: {
      const within = context.deadlineMs === undefined ? '' : ` within ${Math.round(context.deadlineMs / 1000)} s`;
      return new CliFailure(`${at} did not answer${within} (${details || 'deadline exceeded'})`, EXIT_FAILURE);
    }
    case grpc.status.NOT_FOUND:
      return new CliFailure(withoutJobField(details) || 'not found', EXIT_FAILURE);
    case grpc.status.INVALID_ARGUMENT:
      return new CliFailure(details || 'invalid argument', EXIT_USAGE);
    case grpc.status.FAILED_PRECONDITION:
      return new CliFailure(withoutJobField(details) || 'failed precondition', EXIT_FAILURE);
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.PERMISSION_DENIED: {
      const hint = context.tokenSent ? 'check that METATRAIN_TOKEN matches the coordinator’s token' : 'set METATRAIN_TOKEN to the coordinator’s token';
      return new CliFailure(`${at} refused the request (${details || 'unauthenticated'}); ${hint}`, EXIT_FAILURE);
    }
    case grpc.status.UNIMPLEMENTED:
      return new CliFailure(`${at} does not support this request (${details || 'unimplemented'}); is it an older version?`, EXIT_FAILURE);
    case grpc.status.CANCELLED:
      return new CliFailure(`the request was cancelled (${details || 'cancelled'})`, EXIT_FAILURE);
    default: {
      const name = error.code === undefined ? 'error' : (grpc.status[error.code] ?? `status ${error.code}`);
      return new CliFailure(`${at} failed: ${name}: ${details || 'no details'}`, EXIT_FAILURE);
    }
  }
}
