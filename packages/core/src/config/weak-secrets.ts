import { ConfigError } from '../errors';
import type { Env } from './parse-config';

// Secrets a deployment must not start with: the placeholders the repository commits
// (infra/k8s/base/secret.yaml, the compose file's old defaults) and values anyone would guess.
// Compared in lower case, trimmed.
const KNOWN_WEAK = new Set([
  'replace-with-a-long-random-token',
  'replace-with-a-long-random-secret',
  'replace-with-a-long-random-password',
  'metatrain-secret',
  'metatrain',
  'change-me',
  'changeme',
  'change_me',
  'changeit',
  'secret',
  'password',
  'passw0rd',
  'token',
  'admin',
  'default',
  'example',
  'test',
  'redis',
  '123456',
  '12345678',
]);

// Placeholders written the usual ways: `replace-with-…`, `change-me-…`, `<your token>`, `xxxx`.
const PLACEHOLDER = /^(?:replace[-_ ]?(?:me|with)|change[-_ ]?me|<.*>$|x+$)/;

/** How to make a good secret, said by every refusal. */
export const MAKE_A_SECRET = 'make one with `openssl rand -hex 32` (docs/DEPLOY.md, "Secrets")';

/** Why `value` cannot be a secret, or undefined when it may be one. Never echoes the value. */
export function weakSecretReason(value: string): string | undefined {
  const text = value.trim().toLowerCase();
  if (text === '') return 'is set but empty';
  if (KNOWN_WEAK.has(text) || PLACEHOLDER.test(text)) return 'is a placeholder or a well-known value, which anyone can guess';
  return undefined;
}

/** The password a redis:// or rediss:// URL carries, decoded; undefined when it has none or is no such URL (REDIS_URL's own check says so). */
function redisPassword(url: string): string | undefined {
  try {
    const { protocol, password } = new URL(url);
    return (protocol === 'redis:' || protocol === 'rediss:') && password !== '' ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined; // not a URL: the REDIS_URL setting itself says so
  }
}

/** Which variables of a process hold secrets: plain ones, and Redis URLs whose password is one. */
export interface SecretVariables {
  secrets: readonly string[];
  redisUrls?: readonly string[];
}

/**
 * Refuses to start with a placeholder or obviously weak secret: each of `secrets` that is set
 * (empty included: an emptied Secret key must not silently turn authentication off), and the
 * password of each Redis URL of `redisUrls` that carries one. Unset variables are left to the
 * process's own defaults.
 * @throws {ConfigError} naming the variable and how to make a secret, never echoing the value.
 */
export function refuseWeakSecrets(env: Env, { secrets, redisUrls = [] }: SecretVariables): void {
  for (const name of secrets) {
    const value = env[name];
    const reason = value === undefined ? undefined : weakSecretReason(value);
    if (reason) throw new ConfigError(name, `${reason}; ${MAKE_A_SECRET}`);
  }
  for (const name of redisUrls) {
    const password = redisPassword(env[name] ?? '');
    const reason = password === undefined ? undefined : weakSecretReason(password);
    if (reason) throw new ConfigError(name, `its password ${reason}; ${MAKE_A_SECRET}, and give the same to Redis (requirepass)`);
  }
}
