import { DetailType } from '../../audit-events';
import { formatDuration } from '../../duration';
import { Stage } from '../../managed-secret';
import type { SecretDescription } from '../../ports';
import { InvalidStageMoveError } from '../../store-errors';
import { describeFresh, isProtected, readVersion, revokeKey } from '../key-access';
import type { ManagedSecret, SweepContext } from '../sweep-context';
import { pastMaxAge, versionWith } from '../timing';

/**
 * The AWSPREVIOUS version whose grace period has run out, decided from the
 * listing alone: the version's labels and LastRotatedDate (when it stopped
 * being current). Undefined when there is nothing to do.
 */
export function previousKeyDue(secret: SecretDescription, graceMs: number, now: Date): string | undefined {
  const previous = versionWith(secret, Stage.previous);
  if (!previous || isProtected(secret, previous)) return undefined;
  // Without a completed rotation the label was set by hand: LastChangedDate bounds when.
  const since = secret.lastRotatedDate ?? secret.lastChangedDate ?? secret.createdDate;
  if (!since || now.getTime() < since.getTime() + graceMs) return undefined;
  return previous;
}

/**
 * Rule: a superseded key dies when its grace period ends (DESIGN §1, §3), or
 * sooner when it reaches its max age first (a rotation close to the max age
 * must not stretch the key's life by a grace period).
 * Revokes the AWSPREVIOUS key at the provider, then removes the label, so the
 * label keeps meaning "a live key". Labels are read again right before the
 * revoke: a rotation finishing meanwhile has moved AWSPREVIOUS (and revoked
 * this key itself), or made the version current again.
 *
 * While the grace period runs the previous version is read once a sweep to
 * learn its key's expiry; the listing does not carry it.
 *
 * Assisted secrets are left to the reminders (assisted-reminders.ts): Rotor
 * cannot revoke an operator's key, and the label stays until the operator
 * confirms the revocation.
 */
export async function enforcePreviousKey(ctx: SweepContext, secret: ManagedSecret): Promise<void> {
  if (secret.assisted) return;
  const { description, policy } = secret;
  const graceOver = previousKeyDue(description, policy.graceMs, ctx.now);
  const previous = versionWith(description, Stage.previous);
  const versionId = graceOver ?? (previous && !isProtected(description, previous) ? previous : undefined);
  if (!versionId) return;

  const content = await readVersion(ctx, secret, versionId);
  const expired = content.kind === 'key' && pastMaxAge(content.key, policy.maxAgeMs, ctx.now);
  if (!graceOver && !expired) return;
  const fresh = await describeFresh(ctx, secret);
  const freshPrevious = versionWith(fresh, Stage.previous);
  const stillDue = graceOver
    ? previousKeyDue(fresh, policy.graceMs, ctx.now) === versionId
    : freshPrevious === versionId && !isProtected(fresh, versionId);
  if (!stillDue) return;

  if (content.kind === 'key') {
    const outcome = await revokeKey(ctx, secret, content.key.keyId);
    ctx.report.keysRevoked++;
    ctx.emit(description, policy.provider, DetailType.keyRevoked, {
      keyId: content.key.keyId,
      fingerprint: content.key.fingerprint,
      versionId,
      reason: graceOver
        ? `grace period ${formatDuration(policy.graceMs)} after rotation has passed`
        : `max age ${formatDuration(policy.maxAgeMs)} reached before the grace period ended`,
      outcome,
    });
  }
  try {
    await ctx.write((store) =>
      store.updateStage(description.arn, { stage: Stage.previous, removeFromVersionId: versionId }),
    );
  } catch (error) {
    // A rotation finished between the revoke and this write and moved the label: nothing is left to do.
    if (!(error instanceof InvalidStageMoveError)) throw error;
  }
}
