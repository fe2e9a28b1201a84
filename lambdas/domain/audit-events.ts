/** Audit events on Rotor's bus (DESIGN §5). Every state change is one of these. */
export const EVENT_SOURCE = 'rotor';

export const DetailType = {
  rotationStarted: 'Rotation Started',
  keyCreated: 'Key Created',
  keyVerified: 'Key Verified',
  rotationSucceeded: 'Rotation Succeeded',
  rotationFailed: 'Rotation Failed',
  keyRevoked: 'Key Revoked',
  keyExpiring: 'Key Expiring',
  policyViolation: 'Policy Violation',
  keyUnused: 'Key Unused',
  leakReported: 'Leak Reported',
  orphanKeyRevoked: 'Orphan Key Revoked',
  /** Assisted rotation (docs/providers/assisted.md): Rotor asks an operator for a new key, and reminds. */
  assistedRotationRequested: 'Assisted Rotation Requested',
  /** An operator supplied a new key through the CLI; it is verified (where possible) and current. */
  assistedKeySupplied: 'Assisted Key Supplied',
  /** The old key's grace period is over: an operator must revoke it at the provider (repeated as reminders). */
  assistedRevocationRequested: 'Assisted Revocation Requested',
  /** An operator confirmed that the old key is revoked; Rotor no longer tracks it as live. */
  assistedRevocationConfirmed: 'Assisted Revocation Confirmed',
} as const;

export type DetailTypeName = (typeof DetailType)[keyof typeof DetailType];

export type Trigger = 'schedule' | 'manual' | 'leak' | 'policy' | 'bootstrap';

/**
 * The detail of every audit event. Identifiers and fingerprints only: the
 * publisher refuses nothing, so callers must never put key material here.
 */
export interface AuditDetail {
  readonly secretId: string;
  readonly secretName: string;
  readonly provider: string;
  readonly keyId?: string;
  readonly fingerprint?: string;
  readonly versionId?: string;
  readonly trigger: Trigger;
  readonly occurredAt: string;
  readonly correlationId?: string;
  readonly error?: { readonly name: string; readonly message: string };
  /** Why the event was raised, in words an operator can act on (violations, expiry, revocations). */
  readonly reason?: string;
  readonly [extra: string]: unknown;
}

export interface AuditEvent {
  readonly detailType: DetailTypeName | string;
  readonly detail: AuditDetail;
}

/** Copies just the name and message of an error into an event: never a stack, never a cause chain. */
export function errorSummary(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'UnknownError', message: String(error) };
}
