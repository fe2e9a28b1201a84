import { DetailType } from '../../audit-events';
import { Durations, formatDuration } from '../../duration';
import { Stage } from '../../managed-secret';
import type { SecretDescription } from '../../ports';
import type { ManagedSecret, SweepContext } from '../sweep-context';
import { currentKeySince, reminderDue, versionWith } from '../timing';
import { forceRotation, rotationUnderWay } from './max-age';

/**
 * When the current key became unused for longer than the window, or
 * undefined if it has not (or the policy sets no window). LastAccessedDate is
 * a date without a time, so a read may have happened until the end of that
 * day: the window starts then. A key is never "unused" for longer than it has
 * been current.
 */
export function unusedSince(secret: SecretDescription, unusedAfterMs: number | undefined): Date | undefined {
  if (unusedAfterMs === undefined) return undefined;
  const lastRead = secret.lastAccessedDate ? secret.lastAccessedDate.getTime() + Durations.DAY : 0;
  const current = currentKeySince(secret)?.getTime() ?? 0;
  return new Date(Math.max(lastRead, current) + unusedAfterMs);
}

/**
 * Rule: a key nobody has read for its unused-after window raises `Key Unused`.
 * With `rotor:unused-action` = `notify` (the default) that is all, once a
 * reminder interval. With `revoke`, the unused key is revoked: the secret is
 * rotated with the outgoing key revoked at once (AWSCURRENT is never left
 * holding a dead key), so an unused key never outlives the window.
 */
export async function enforceUnusedKey(
  ctx: SweepContext,
  secret: ManagedSecret,
  rotationAlreadyStarted: boolean,
): Promise<void> {
  const { description, policy } = secret;
  const since = unusedSince(description, policy.unusedAfterMs);
  if (!since || ctx.now.getTime() < since.getTime()) return;
  ctx.report.keysUnused++;

  const detail = {
    versionId: versionWith(description, Stage.current),
    ...(description.lastAccessedDate ? { lastAccessedDate: description.lastAccessedDate.toISOString() } : {}),
    reason: `not read for over ${formatDuration(policy.unusedAfterMs ?? 0)}`,
  };
  if (policy.unusedAction === 'notify') {
    const { sweepIntervalMs, reminderIntervalMs } = ctx.settings;
    if (reminderDue(since, ctx.now, sweepIntervalMs, reminderIntervalMs)) {
      ctx.emit(description, policy.provider, DetailType.keyUnused, { ...detail, action: 'notify' });
    }
    return;
  }
  const outcome =
    rotationAlreadyStarted || rotationUnderWay(description) ? 'under-way' : await forceRotation(ctx, secret);
  ctx.emit(description, policy.provider, DetailType.keyUnused, {
    ...detail,
    action:
      outcome === 'started'
        ? 'revoke: rotation started, unused key revoked on promotion'
        : 'revoke: rotation already under way',
  });
}
