import { ConfigError } from '@metatrain/core';
import { assertValidKey } from '../blob-store';

/**
 * A store's key prefix in canonical form: '' or 'a/b/' (surrounding slashes dropped, one
 * trailing slash added), so that the prefix and a key never run together.
 */
export function normalizePrefix(prefix: string, variable: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  try {
    assertValidKey(trimmed);
  } catch (err) {
    throw new ConfigError(variable, (err as Error).message.replace('invalid storage key', 'invalid prefix'));
  }
  return `${trimmed}/`;
}
