import { randomUUID } from 'node:crypto';
import { AssistedTags, tagTime } from '../../assisted-mode';
import { DetailType } from '../../audit-events';
import { formatDuration } from '../../duration';
import { Stage } from '../../managed-secret';
import type { SecretDescription } from '../../ports';
import { rotationToken } from '../../rotation-token';
import { RotationInProgressError } from '../../store-errors';
import { readVersion } from '../key-access';
import type { ManagedSecret, SweepContext } from '../sweep-context';
import { currentKeySince, pastMaxAge, reminderDue, versionWith } from '../timing';

/** How old the current key is, from the listing alone (LastRotatedDate, or CreatedDate before any rotation). */
export function currentKeyAgeMs(secret: SecretDescription, now: Date): number | undefined {
  const since = currentKeySince(secret);
  return since ? now.getTime() - since.getTime() : undefined;
}

/** True when a rotation holds AWSPENDING on a version other than AWSCURRENT's. */
export function rotationUnderWay(secret: SecretDescription): boolean {
  const pending = versionWith(secret, Stage.pending);
  return pending !== undefined && pending !== versionWith(secret, Stage.current);
}

/**
 * How old the current key is and whether it is past its max age. The listing
 * (LastRotatedDate) is enough while the key is far from its max age. Near it,
 * the stored value is read: a rotation that was retried promotes a key minted
 * when it first ran, up to a stuck threshold and a sweep earlier than
 * LastRotatedDate says, and that key must not outlive its max age either.
 */
export async function currentKeyOverdue(
  ctx: SweepContext,
  secret: ManagedSecret,
): Promise<{ readonly ageMs: number; readonly overdue: boolean } | undefined> {
  const { description, policy } = secret;
  const listed = currentKeyAgeMs(description, ctx.now);
  if (listed === undefined) return undefined;
  if (listed > policy.maxAgeMs) return { ageMs: listed, overdue: true };
  const margin = ctx.settings.stuckAfterMs + ctx.settings.sweepIntervalMs;
  const current = versionWith(description, Stage.current);
  if (listed <= policy.maxAgeMs - margin || !current) return { ageMs: listed, overdue: false };
  const content = await readVersion(ctx, secret, current);
  if (content.kind !== 'key') return { ageMs: listed, overdue: false };
  const ageMs = Math.max(listed, ctx.now.getTime() - Date.parse(content.key.createdAt));
  return { ageMs, overdue: pastMaxAge(content.key, policy.maxAgeMs, ctx.now) };
}

export type ForcedRotation = 'started' | 'under-way';

/**
 * True when an operator has been asked for a new key of this assisted secret
 * and has not supplied it yet. Another rotation would only ask again: the
 * reminders (assisted-reminders.ts) repeat the request at their own pace.
 */
export function assistedRequestOpen(secret: ManagedSecret): boolean {
  return (
    secret.assisted !== undefined && tagTime(secret.description.tags, AssistedTags.requestedAt) !== undefined
  );
}

/**
 * Starts a rotation whose outgoing key is revoked as soon as the new one is
 * promoted (`policy-now-<uuid>`): the outgoing key is past a limit, so it gets
 * no grace period. A rotation already under way is not an error. For an
 * assisted secret the rotation asks an operator for a key (`Assisted
 * Rotation Requested`); while such a request is open it counts as under way.
 */
export async function forceRotation(ctx: SweepContext, secret: ManagedSecret): Promise<ForcedRotation> {
  if (assistedRequestOpen(secret)) return 'under-way';
  const token = rotationToken({ trigger: 'policy', revokeOutgoingNow: true }, randomUUID());
  try {
    await ctx.write((store) => store.rotate(secret.description.arn, token));
    ctx.report.rotationsStarted++;
    return 'started';
  } catch (error) {
    if (error instanceof RotationInProgressError) return 'under-way';
    throw error;
  }
}

/**
 * Rule: no key lives past its max age. An overdue key means rotation is
 * broken or disabled: it is a `Policy Violation`, and the secret is rotated
 * now unless a rotation is already under way. Returns whether a rotation
 * was started or found, so later rules do not start a second one.
 *
 * An assisted secret's rotation is a request to a human: it is made once
 * and then repeated by the reminders, and its violation is raised when the
 * request is made and then once per `rotor:remind-every`, not every sweep.
 */
export async function enforceMaxAge(
  ctx: SweepContext,
  secret: ManagedSecret,
  pendingCleared: boolean,
): Promise<ForcedRotation | undefined> {
  const { description, policy } = secret;
  const state = await currentKeyOverdue(ctx, secret);
  if (!state?.overdue) return undefined;
  const age = state.ageMs;
  ctx.report.keysOverdue++;

  const outcome =
    rotationUnderWay(description) && !pendingCleared ? 'under-way' : await forceRotation(ctx, secret);
  if (secret.assisted && outcome !== 'started') {
    const overdueSince = new Date(ctx.now.getTime() - age + policy.maxAgeMs);
    const { sweepIntervalMs } = ctx.settings;
    if (!reminderDue(overdueSince, ctx.now, sweepIntervalMs, secret.assisted.remindEveryMs)) return outcome;
  }
  ctx.report.policyViolations++;
  ctx.emit(description, policy.provider, DetailType.policyViolation, {
    versionId: versionWith(description, Stage.current),
    rule: 'max-age',
    reason: `key is ${formatDuration(age)} old, over its max age ${formatDuration(policy.maxAgeMs)}`,
    action: maxAgeAction(secret, outcome),
  });
  return outcome;
}

function maxAgeAction(secret: ManagedSecret, outcome: ForcedRotation): string {
  if (!secret.assisted) return outcome === 'started' ? 'rotation started' : 'rotation already under way';
  return outcome === 'started'
    ? 'operator asked for a new key (Assisted Rotation Requested)'
    : `operator already asked for a new key; reminded every ${formatDuration(secret.assisted.remindEveryMs)}`;
}
