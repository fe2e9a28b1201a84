import type { Trigger } from './audit-events';

/**
 * Rotor's own callers (CLI, leak handler, enforcer) start rotations with a
 * ClientRequestToken that says why: `<trigger>-<uuid>`, or `<trigger>-now-<uuid>`
 * when the outgoing key must be revoked as soon as the rotation finishes.
 * Secrets Manager's scheduled rotations use a bare UUID. The token is the
 * rotation's version id and correlation id, so the reason travels with it at
 * no extra API call. Version ids must be 32 to 64 characters.
 */
export interface RotationIntent {
  readonly trigger: Exclude<Trigger, 'bootstrap'>;
  /** Revoke the key that was current as soon as the new one is promoted (no grace period). */
  readonly revokeOutgoingNow: boolean;
}

const TOKEN = /^(manual|leak|policy)(-now)?-([0-9a-f-]{32,36})$/;

export function rotationToken(intent: RotationIntent, uuid: string): string {
  if (intent.trigger === 'schedule') return uuid;
  return `${intent.trigger}${intent.revokeOutgoingNow ? '-now' : ''}-${uuid}`;
}

export function intentOf(token: string): RotationIntent {
  const match = TOKEN.exec(token);
  if (!match) return { trigger: 'schedule', revokeOutgoingNow: false };
  const trigger = match[1] as RotationIntent['trigger'];
  // A leak never leaves the leaked key live for a grace period.
  return { trigger, revokeOutgoingNow: match[2] !== undefined || trigger === 'leak' };
}
