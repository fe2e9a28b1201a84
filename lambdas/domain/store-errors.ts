import { RotorError } from './errors';

/** The secret, or the requested version of it, does not exist (ResourceNotFoundException). */
export class SecretNotFoundError extends RotorError {}

/** A version with this id already exists with a different value (ResourceExistsException). */
export class SecretVersionConflictError extends RotorError {}

/** A previous rotation is not complete: AWSPENDING sits on a version other than AWSCURRENT's. */
export class RotationInProgressError extends RotorError {}

/** A stage move that does not match the secret's labels (InvalidParameterException). */
export class InvalidStageMoveError extends RotorError {}

/** The store throttled the call (ThrottlingException); safe to retry later. */
export class StoreThrottledError extends RotorError {}

/** Any other store failure, with the service's error name. */
export class SecretStoreError extends RotorError {}

/**
 * The caller may not read or decrypt the secret (AccessDeniedException,
 * DecryptionFailure): a configuration problem that no retry fixes, unlike
 * the timeouts and service errors that are plain SecretStoreErrors.
 */
export class StoreAccessDeniedError extends SecretStoreError {}
