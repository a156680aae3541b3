import { firstIssue } from '@metatrain/core';
import { z } from 'zod';
import { badRequest } from '../errors';

// The bodies of the API, checked at the edge. `support` and `query` are checked by core's
// examples parser (the one `metatrain adapt` reads files with), so their messages are the same.

const examples = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  error: 'must be an object {"inputs": [...], "targets": [...]}',
});
const steps = z.number({ error: 'must be a number' }).optional();
const lr = z.number({ error: 'must be a number' }).optional();

/** `POST /v1/models/{name}:predict`. */
export const predictBody = z.strictObject({ support: examples, query: examples, steps, lr });
/** `POST /v1/models/{name}:adapt`. */
export const adaptBody = z.strictObject({ support: examples, steps, lr });
/** `POST /v1/adapted/{id}:predict`. */
export const adaptedPredictBody = z.strictObject({ inputs: z.unknown() });

/** `body` checked against `schema`; the first problem is a 400 naming its field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') return fail(issue.keys[0] ?? '', `unknown key (expected ${Object.keys((schema as unknown as z.ZodObject).shape).map((k) => JSON.stringify(k)).join(', ')})`);
  const { path, message } = firstIssue(result.error);
  const given = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[path] : undefined;
  if (path !== '' && given === undefined) return fail(path, 'missing');
  return fail(path || 'body', message.startsWith('Invalid input: expected object') ? 'must be a JSON object' : message);
}

function fail(field: string, reason: string): never {
  throw badRequest(`${field}: ${reason}`);
}
