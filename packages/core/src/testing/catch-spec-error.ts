import { SpecError, SpecErrors } from '../errors';
import { validateSpec } from '../spec/parse-spec';

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

/** The messages of the SpecErrors that validating `spec` throws; fails the test if the spec passes. */
export function specRefusals(spec: unknown): string[] {
  try {
    validateSpec(spec);
  } catch (err) {
    if (err instanceof SpecErrors) return err.errors.map((e) => e.message);
    throw err;
  }
  throw new Error('expected the spec to be refused');
}
