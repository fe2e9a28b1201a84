import { RotorError } from '../domain/errors';
import { endpointVariable } from '../providers/endpoint';

/** A required environment variable is missing: the deployment is broken, so fail at cold start. */
export class EnvironmentError extends RotorError {}

/** Reads a required variable once, at module load. */
export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvironmentError(`Environment variable ${name} is not set`);
  return value;
}

/** ROTOR_ENDPOINT_<PROVIDER> lookups: the deployment's only way to point a provider elsewhere. */
export function endpointOverrides(env: NodeJS.ProcessEnv): (provider: string) => string | undefined {
  return (provider) => env[endpointVariable(provider)]?.trim() || undefined;
}
