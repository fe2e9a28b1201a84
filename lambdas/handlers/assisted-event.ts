import type {
  ConfirmAssistedRevocationRequest,
  ConfirmAssistedRevocationResult,
  SupplyAssistedKeyRequest,
  SupplyAssistedKeyResult,
} from '../domain/assisted-flow';
import { MAX_SUPPLIED_KEY_LENGTH } from '../domain/assisted-flow';
import { RotorError } from '../domain/errors';

/** The assisted function was invoked with something other than a supply or confirm request. Never quotes the key. */
export class InvalidAssistedRequestError extends RotorError {}

/** `rotor supply`: store an operator's key (read from their stdin) as the current key. */
export interface SupplyRequest extends SupplyAssistedKeyRequest {
  readonly action: 'supply';
}

/** `rotor confirm-revoked`: the superseded key is revoked at the provider. */
export interface ConfirmRevokedRequest extends ConfirmAssistedRevocationRequest {
  readonly action: 'confirm-revoked';
}

/** The assisted function's event: what the CLI sends through lambda:InvokeFunction. */
export type AssistedRequest = SupplyRequest | ConfirmRevokedRequest;

/** What the function answers: the domain's result, which names keys by id and fingerprint only. */
export type AssistedResponse<R extends AssistedRequest> = R extends SupplyRequest
  ? SupplyAssistedKeyResult
  : ConfirmAssistedRevocationResult;

/** Secret names are at most 512 characters, ARNs a little longer. */
const MAX_SECRET_ID = 2048;
/** A provider's key id is an identifier, not prose. */
const MAX_KEY_ID = 256;

/**
 * Validates the assisted function's event. Messages name the field that is
 * wrong and never its value: `apiKey` is key material from its first byte.
 */
export function parseAssistedRequest(event: unknown): AssistedRequest {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidAssistedRequestError('Assisted request is not an object');
  }
  const { action, secretId, apiKey, keyId } = event as Record<string, unknown>;
  if (typeof secretId !== 'string' || secretId.trim() === '' || secretId.length > MAX_SECRET_ID) {
    throw new InvalidAssistedRequestError('Assisted request secretId must be a secret name or ARN');
  }
  if (keyId !== undefined && (typeof keyId !== 'string' || keyId.length > MAX_KEY_ID)) {
    throw new InvalidAssistedRequestError(
      `Assisted request keyId must be a string of at most ${MAX_KEY_ID} characters`,
    );
  }
  const named = keyId === undefined ? {} : { keyId };
  switch (action) {
    case 'supply':
      // Length only here: emptiness and whitespace are the domain's rules, with its own messages.
      if (typeof apiKey !== 'string' || apiKey.length > MAX_SUPPLIED_KEY_LENGTH + 2) {
        throw new InvalidAssistedRequestError(
          `Assisted request apiKey must be a string of at most ${MAX_SUPPLIED_KEY_LENGTH} characters`,
        );
      }
      return { action, secretId, apiKey, ...named };
    case 'confirm-revoked':
      if (apiKey !== undefined) {
        // A key sent where none belongs would otherwise be dropped silently; say so, without it.
        throw new InvalidAssistedRequestError('Assisted request confirm-revoked takes no apiKey');
      }
      return { action, secretId, ...named };
    default:
      throw new InvalidAssistedRequestError('Assisted request action must be "supply" or "confirm-revoked"');
  }
}
