import { SpecError } from '../errors';

/** The SpecError that `fn` throws; fails the test if it throws nothing or something else. */
export function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a SpecError');
}
