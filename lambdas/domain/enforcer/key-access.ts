import type { RevokeOutcome } from '../../providers/provider';
import type { SecretDescription } from '../ports';
import { isPlaceholder, type ManagedKeyValue, parseSecretValue } from '../secret-value';
import { SecretNotFoundError } from '../store-errors';
import type { ManagedSecret, SweepContext } from './sweep-context';

/** What a version holds: a key, the bootstrap placeholder, or nothing (a rotation that died before storing). */
export type VersionContent =
  | { readonly kind: 'key'; readonly key: ManagedKeyValue; readonly createdDate?: Date }
  | { readonly kind: 'placeholder'; readonly createdDate?: Date }
  | { readonly kind: 'empty' };

/** Reads one version by id (GetSecretValue). Only called when an action needs the key id. */
export async function readVersion(
  ctx: SweepContext,
  secret: ManagedSecret,
  versionId: string,
): Promise<VersionContent> {
  try {
    const version = await ctx.deps.store.getValue(secret.description.arn, { versionId });
    const value = parseSecretValue(secret.description.name, version.secretString);
    if (isPlaceholder(value)) return { kind: 'placeholder', createdDate: version.createdDate };
    return { kind: 'key', key: value, createdDate: version.createdDate };
  } catch (error) {
    // RotateSecret's empty version has no value until createSecret stores one.
    if (error instanceof SecretNotFoundError) return { kind: 'empty' };
    throw error;
  }
}

/** Re-reads the labels right before a revoke (DescribeSecret): the listing may be minutes old. */
export function describeFresh(ctx: SweepContext, secret: ManagedSecret): Promise<SecretDescription> {
  return ctx.deps.store.describe(secret.description.arn);
}

/** Stages that mean "in use or about to be": a key on either is never revoked. */
export function isProtected(description: SecretDescription, versionId: string): boolean {
  const stages = description.versionIdsToStages[versionId] ?? [];
  return stages.includes('AWSCURRENT') || stages.includes('AWSPENDING');
}

/** Revokes a key at the provider, within the provider's concurrency limit. 404 is `already-gone`. */
export async function revokeKey(
  ctx: SweepContext,
  secret: ManagedSecret,
  keyId: string,
): Promise<RevokeOutcome> {
  const connection = await ctx.connect(secret);
  return ctx.provider(secret.policy.provider, () => connection.revoke(keyId));
}
