import { InvalidRotationEventError } from '../domain/errors';
import { ROTATION_STEPS, type RotationRequest, type RotationStep } from '../domain/rotation';

/** Validates the event Secrets Manager sends a rotation function: `{ Step, SecretId, ClientRequestToken }`. */
export function parseRotationEvent(event: unknown): RotationRequest {
  if (typeof event !== 'object' || event === null) {
    throw new InvalidRotationEventError('Rotation event is not an object');
  }
  const { Step, SecretId, ClientRequestToken } = event as Record<string, unknown>;
  if (typeof Step !== 'string' || !ROTATION_STEPS.includes(Step as RotationStep)) {
    throw new InvalidRotationEventError(`Rotation event Step must be one of ${ROTATION_STEPS.join(', ')}`);
  }
  if (typeof SecretId !== 'string' || SecretId.length === 0 || SecretId.length > 2048) {
    throw new InvalidRotationEventError('Rotation event SecretId must be a secret ARN or name');
  }
  if (
    typeof ClientRequestToken !== 'string' ||
    ClientRequestToken.length < 32 ||
    ClientRequestToken.length > 64
  ) {
    throw new InvalidRotationEventError('Rotation event ClientRequestToken must be 32 to 64 characters');
  }
  return { step: Step as RotationStep, secretId: SecretId, token: ClientRequestToken };
}
