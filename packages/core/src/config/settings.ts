import { z } from 'zod';

// Pieces of settings schemas that several processes share, so that the same mistake gets the
// same message wherever it is made.

/**
 * A zod error message that ends with the value at fault, `${reason}, got ${value}`, strings
 * quoted (an empty or space-padded value then shows). Never use it for a secret.
 */
export function gotInput(reason: string): (issue: { input?: unknown }) => string {
  return ({ input }) => `${reason}, got ${typeof input === 'string' ? JSON.stringify(input) : String(input)}`;
}

/**
 * A variable that holds a non-negative integer in decimal digits, as a number. '5s', '1e9' and
 * '-1' are refused with `${reason}, got "<text>"`; pipe the number into a schema for its range.
 */
export function integerText(reason: string) {
  return z.string().regex(/^\d+$/, { error: gotInput(reason) }).transform(Number);
}

/** A Redis URL (REDIS_URL). The message never echoes it: it may hold a password. */
export const redisUrlSetting = z.string().regex(/^rediss?:\/\/\S*$/, { error: 'expected a redis:// or rediss:// URL' });
