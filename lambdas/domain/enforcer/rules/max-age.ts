import { randomUUID } from 'node:crypto';
import { DetailType } from '../../audit-events';
import { formatDuration } from '../../duration';
import { Stage } from '../../managed-secret';
import type { SecretDescription } from '../../ports';
import { rotationToken } from '../../rotation-token';
import { RotationInProgressError } from '../../store-errors';
import type { ManagedSecret, SweepContext } from '../sweep-context';
import { currentKeySince, versionWith } from '../timing';

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

export type ForcedRotation = 'started' | 'under-way';

/**
 * Starts a rotation whose outgoing key is revoked as soon as the new one is
 * promoted (`policy-now-<uuid>`): the outgoing key is past a limit, so it gets
 * no grace period. A rotation already under way is not an error.
 */
export async function forceRotation(ctx: SweepContext, secret: ManagedSecret): Promise<ForcedRotation> {
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
 */
export async function enforceMaxAge(
  ctx: SweepContext,
  secret: ManagedSecret,
  pendingCleared: boolean,
): Promise<ForcedRotation | undefined> {
  const { description, policy } = secret;
  const age = currentKeyAgeMs(description, ctx.now);
  if (age === undefined || age <= policy.maxAgeMs) return undefined;
  ctx.report.keysOverdue++;

  const outcome =
    rotationUnderWay(description) && !pendingCleared ? 'under-way' : await forceRotation(ctx, secret);
  ctx.report.policyViolations++;
  ctx.emit(description, policy.provider, DetailType.policyViolation, {
    versionId: versionWith(description, Stage.current),
    rule: 'max-age',
    reason: `key is ${formatDuration(age)} old, over its max age ${formatDuration(policy.maxAgeMs)}`,
    action: outcome === 'started' ? 'rotation started' : 'rotation already under way',
  });
  return outcome;
}
