import { expect } from 'vitest';
import { ModelError } from '../../src/app/errors.ts';

/** What `promise` rejected with, checked to be a `ModelError`. */
export async function failure(promise: Promise<unknown>): Promise<ModelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}
