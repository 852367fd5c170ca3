import { loadConfig } from '../../../src/app/config.ts';
import { ConfigError } from '../../../src/app/errors.ts';

/** The `ConfigError` that `loadConfig(env)` throws; fails the test when it throws none or another error. */
export function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
