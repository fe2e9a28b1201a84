import { DetailType } from '../../audit-events';
import { formatDuration } from '../../duration';
import { Stage } from '../../managed-secret';
import type { SecretDescription } from '../../ports';
import type { ManagedSecret, SweepContext } from '../sweep-context';
import { currentKeySince, reminderDue, versionWith } from '../timing';

/**
 * When the current key expires. Rotor sets a key's `expiresAt` (and the
 * provider-side expiry, where the provider has one) to its creation plus the
 * max age; its creation precedes LastRotatedDate by the length of the
 * rotation, seconds, so the listing gives the expiry without reading the
 * value (which would also count as an access and blind the unused-key rule).
 */
export function expiryOf(secret: SecretDescription, maxAgeMs: number): Date | undefined {
  const since = currentKeySince(secret);
  return since ? new Date(since.getTime() + maxAgeMs) : undefined;
}

/** Rule: `Key Expiring` once the expiry is within the policy's lead time, once a reminder interval. */
export function enforceExpiryWarning(ctx: SweepContext, secret: ManagedSecret): void {
  const { description, policy } = secret;
  const expiresAt = expiryOf(description, policy.maxAgeMs);
  if (!expiresAt) return;
  const warnFrom = new Date(expiresAt.getTime() - policy.expiryWarningMs);
  const now = ctx.now;
  if (now < warnFrom || now >= expiresAt) return;
  ctx.report.keysExpiring++;
  const { sweepIntervalMs, reminderIntervalMs } = ctx.settings;
  if (!reminderDue(warnFrom, now, sweepIntervalMs, reminderIntervalMs)) return;
  ctx.emit(description, policy.provider, DetailType.keyExpiring, {
    versionId: versionWith(description, Stage.current),
    expiresAt: expiresAt.toISOString(),
    reason: `expires in ${formatDuration(expiresAt.getTime() - now.getTime())}`,
  });
}
