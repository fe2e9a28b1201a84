/**
 * Named errors of the rotation domain. Messages name the secret, the field or
 * the HTTP status involved, and never carry key material: they travel into
 * logs, audit events and Secrets Manager's RotationFailed events.
 */
export class RotorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The Lambda was invoked with an event that is not a Secrets Manager rotation event. */
export class InvalidRotationEventError extends RotorError {}

/** Secrets Manager invoked the function for a secret whose rotation is disabled. */
export class RotationDisabledError extends RotorError {}

/** The rotation token is not a version of the secret with any staging label. */
export class UnknownRotationTokenError extends RotorError {}

/** The rotation token's version is neither AWSCURRENT nor AWSPENDING. */
export class TokenNotPendingError extends RotorError {}

/** A managed secret's tags (its non-secret configuration) are missing or malformed. */
export class ManagedSecretConfigError extends RotorError {
  constructor(
    readonly secretName: string,
    readonly field: string,
    problem: string,
  ) {
    super(`Managed secret ${secretName}: ${field} ${problem}`);
  }
}

/** No adapter is registered for the provider a secret names. */
export class UnknownProviderError extends RotorError {
  constructor(readonly provider: string) {
    super(`Unknown provider "${provider}"`);
  }
}

/** The admin credential is missing, unreadable or not in the format the provider needs. */
export class AdminCredentialError extends RotorError {}

/** A managed secret's value is not the JSON Rotor writes (see DESIGN §2). */
export class MalformedSecretValueError extends RotorError {}

/** The pending key never authenticated at the provider within the propagation window. */
export class KeyVerificationError extends RotorError {}

/** EventBridge refused one or more audit events. */
export class EventPublishError extends RotorError {}

/** The provider needs a human to mint the key (assisted rotation). */
export class AssistedRotationRequiredError extends RotorError {}
