import { RotorError } from '../../lambdas/domain/errors';

/**
 * An error the local emulator answers in the service's own shape: HTTP 400 (or
 * `statusCode`) with `{"__type": type, "message": …}` and `x-amzn-ErrorType`,
 * so the AWS SDK raises the exception class of that name, as it would against
 * AWS. Messages name resources only, never a secret's value.
 */
export class AwsServiceError extends RotorError {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

/** A required request member is missing or has the wrong type. */
export function requireString(input: Record<string, unknown>, member: string): string {
  const value = input[member];
  if (typeof value !== 'string' || value.length === 0) {
    throw new AwsServiceError('InvalidParameterException', `${member} is required and must be a string`);
  }
  return value;
}

/** An optional string member: absent, or a string. */
export function optionalString(input: Record<string, unknown>, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new AwsServiceError('InvalidParameterException', `${member} must be a string`);
  }
  return value;
}

/** AWS JSON protocols carry timestamps as epoch seconds (fractions allowed). */
export function epochSeconds(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime() / 1000;
}
