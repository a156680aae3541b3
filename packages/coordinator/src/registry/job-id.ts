import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Random characters after the name: 36^6 ≈ 2·10^9, and the registry retries on the rare clash. */
const SUFFIX_LENGTH = 6;

/** Spec names as the spec allows them (lowercase letters, digits, dashes), short enough for ids. */
export const JOB_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;

/**
 * A new job id, `{name}-{6 random lowercase letters or digits}`. Random rather than a
 * counter: Redis may lose the registry (it may keep nothing on disk), while the object store
 * keeps `jobs/{id}/` — a counter starting over would hand a new job an old job's checkpoints.
 */
export function newJobId(name: string): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `${name}-${suffix}`;
}
