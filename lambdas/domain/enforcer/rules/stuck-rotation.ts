import { DetailType } from '../../audit-events';
import { formatDuration } from '../../duration';
import { providerKeyName, Stage } from '../../managed-secret';
import type { SecretDescription } from '../../ports';
import { InvalidStageMoveError } from '../../store-errors';
import { describeFresh, readVersion, revokeKey } from '../key-access';
import type { ManagedSecret, SweepContext } from '../sweep-context';
import { versionWith } from '../timing';
import { currentKeyOverdue } from './max-age';

/**
 * The pending version of a rotation that has not moved for `stuckAfterMs`,
 * from the listing alone. The listing carries no per-version dates, so the
 * clock starts at LastChangedDate: every step of a live rotation (the
 * pending version, the minting tag, the pending value, the promotion) changes
 * the secret, so a secret unchanged for the threshold has a pending version
 * at least that old. The version's own CreatedDate is checked too once the
 * value is read.
 */
export function stuckPendingVersion(
  secret: SecretDescription,
  stuckAfterMs: number,
  now: Date,
): string | undefined {
  const pending = versionWith(secret, Stage.pending);
  if (!pending || pending === versionWith(secret, Stage.current)) return undefined;
  const since = secret.lastChangedDate ?? secret.createdDate;
  if (!since || now.getTime() - since.getTime() < stuckAfterMs) return undefined;
  return pending;
}

/**
 * How long a pending rotation may sit still before it counts as stuck. A
 * rotation holding up a key already past its max age gets half a sweep
 * interval, not the full threshold: the max-age rule cannot force a new
 * rotation while it sits there, and a live rotation changes the secret
 * within minutes, so one that has not moved since the last sweep is dead.
 */
export async function stuckThreshold(ctx: SweepContext, secret: ManagedSecret): Promise<number> {
  const { stuckAfterMs, sweepIntervalMs } = ctx.settings;
  const overdue = (await currentKeyOverdue(ctx, secret))?.overdue ?? false;
  return overdue ? Math.min(stuckAfterMs, sweepIntervalMs / 2) : stuckAfterMs;
}

/**
 * Rule: a rotation stuck with AWSPENDING on a version other than AWSCURRENT's
 * makes Secrets Manager refuse every later RotateSecret. Revoke the key it
 * minted, if any (from the stored value, or by its name when it died between
 * the mint and the store), release AWSPENDING and raise `Rotation Failed`.
 * An assisted secret's pending key, if any, is an operator's: Rotor only
 * releases the label and names the key for the operator to revoke.
 */
export async function enforceStuckRotation(ctx: SweepContext, secret: ManagedSecret): Promise<boolean> {
  const { description, policy } = secret;
  if (!stuckPendingVersion(description, 0, ctx.now)) return false;
  const stuckAfterMs = await stuckThreshold(ctx, secret);
  const versionId = stuckPendingVersion(description, stuckAfterMs, ctx.now);
  if (!versionId) return false;

  const content = await readVersion(ctx, secret, versionId);
  if (content.kind !== 'empty' && content.createdDate) {
    if (ctx.now.getTime() - content.createdDate.getTime() < stuckAfterMs) return false;
  }
  const fresh = await describeFresh(ctx, secret);
  if (stuckPendingVersion(fresh, stuckAfterMs, ctx.now) !== versionId) return false;

  const revoked: string[] = [];
  let cleanup: string | undefined;
  if (secret.assisted) {
    cleanup =
      content.kind === 'key'
        ? `supplied key ${content.key.keyId} never became current: revoke it at the provider`
        : 'assisted rotation: Rotor minted no key';
  } else if (content.kind === 'key') {
    const outcome = await revokeKey(ctx, secret, content.key.keyId);
    revoked.push(content.key.keyId);
    ctx.report.keysRevoked++;
    ctx.emit(description, policy.provider, DetailType.keyRevoked, {
      keyId: content.key.keyId,
      fingerprint: content.key.fingerprint,
      versionId,
      reason: 'pending key of a stuck rotation',
      outcome,
    });
  } else if (content.kind === 'empty' && ctx.settings.orphanScan) {
    // The rotation may have minted a key and died before storing it: the key's name says which.
    const name = providerKeyName(description.name, versionId);
    for (const key of (await ctx.ownKeys(secret)).forSecret(description.name)) {
      if (key.name !== name) continue;
      const outcome = await revokeKey(ctx, secret, key.keyId);
      revoked.push(key.keyId);
      ctx.report.orphansRevoked++;
      ctx.emit(description, policy.provider, DetailType.orphanKeyRevoked, {
        keyId: key.keyId,
        versionId,
        reason: 'minted by a stuck rotation that never stored it',
        outcome,
      });
    }
  }

  try {
    await ctx.write((store) =>
      store.updateStage(description.arn, { stage: Stage.pending, removeFromVersionId: versionId }),
    );
  } catch (error) {
    if (!(error instanceof InvalidStageMoveError)) throw error;
  }
  ctx.report.stuckRotationsCleared++;
  ctx.emit(description, policy.provider, DetailType.rotationFailed, {
    versionId,
    reason: 'stuck',
    error: {
      name: 'StuckRotation',
      message: `AWSPENDING had not moved for ${formatDuration(stuckAfterMs)}; released by the enforcer`,
    },
    cleanup: cleanup ?? (revoked.length > 0 ? `revoked ${revoked.join(', ')}` : 'no key had been minted'),
  });
  return true;
}
