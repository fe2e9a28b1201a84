import type { OwnedKey } from '../../../providers/provider';
import { DetailType } from '../../audit-events';
import { formatDuration } from '../../duration';
import { providerKeyName } from '../../managed-secret';
import type { SecretDescription } from '../../ports';
import { describeFresh, readVersion, revokeKey } from '../key-access';
import type { ManagedSecret, SweepContext } from '../sweep-context';

/** True when a labelled version of the secret is the rotation that minted this key (its name says so). */
export function referencedByName(secret: SecretDescription, key: OwnedKey): boolean {
  return Object.keys(secret.versionIdsToStages).some(
    (versionId) => providerKeyName(secret.name, versionId) === key.name,
  );
}

/**
 * Since when a key may have been unreferenced. A key the provider dates is
 * judged by its creation. For a provider that does not date keys (SendGrid),
 * the secret's LastChangedDate stands in: a key stops being referenced only
 * when its version loses its last label, which changes the secret, so a
 * secret unchanged for the safety delay has held no reference to the key for
 * at least that long.
 */
export function orphanClock(secret: SecretDescription, key: OwnedKey): Date | undefined {
  return key.createdAt ?? secret.lastChangedDate ?? secret.createdDate;
}

/**
 * Rule: provider keys under the secret's Rotor prefix that no labelled version
 * references and that are older than the safety delay are revoked
 * (`Orphan Key Revoked`): a rotation died between minting and storing, or a
 * label was moved without a revoke.
 *
 * Cost: one list call per provider account per invocation (ctx.ownKeys);
 * candidates are found by name against the listing's labels with no read.
 * Only a secret with a candidate is described again and its labelled values
 * (at most three) read, to confirm by key id before revoking.
 *
 * Assisted secrets are skipped: Rotor mints none of their keys, and their
 * providers give it no listing (or no admin credential to list with).
 */
export async function enforceOrphanKeys(ctx: SweepContext, secret: ManagedSecret): Promise<void> {
  if (!ctx.settings.orphanScan || secret.assisted) return;
  const { description, policy } = secret;
  const cutoff = ctx.now.getTime() - ctx.settings.orphanDelayMs;
  const isOld = (listing: SecretDescription, key: OwnedKey) =>
    (orphanClock(listing, key)?.getTime() ?? Number.POSITIVE_INFINITY) <= cutoff;

  const listed = (await ctx.ownKeys(secret)).forSecret(description.name);
  // Two live keys under one name: a duplicate delivery of createSecret minted twice.
  const duplicated = (key: OwnedKey) => listed.some((other) => other !== key && other.name === key.name);
  const candidates = listed.filter(
    (key) => (!referencedByName(description, key) || duplicated(key)) && isOld(description, key),
  );
  if (candidates.length === 0) return;

  const fresh = await describeFresh(ctx, secret);
  const referencedIds = new Set<string>();
  const storedNames = new Set<string>();
  for (const versionId of Object.keys(fresh.versionIdsToStages)) {
    const content = await readVersion(ctx, secret, versionId);
    if (content.kind !== 'key') continue;
    referencedIds.add(content.key.keyId);
    storedNames.add(providerKeyName(description.name, versionId));
  }
  for (const key of candidates) {
    if (referencedIds.has(key.keyId) || !isOld(fresh, key)) continue;
    // Named for a labelled version: an orphan only if that version stores another key.
    // An empty version is a rotation still minting; the stuck-rotation rule owns it.
    if (referencedByName(fresh, key) && !storedNames.has(key.name)) continue;
    const outcome = await revokeKey(ctx, secret, key.keyId);
    ctx.report.orphansRevoked++;
    ctx.emit(description, policy.provider, DetailType.orphanKeyRevoked, {
      keyId: key.keyId,
      reason: `no label references it and it is older than ${formatDuration(ctx.settings.orphanDelayMs)}`,
      outcome,
    });
  }
}
