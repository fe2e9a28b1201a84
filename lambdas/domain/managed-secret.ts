import { Durations, parseDuration } from './duration';
import { ManagedSecretConfigError } from './errors';

/** Tag names that hold a managed secret's policy and provider configuration (DESIGN §2). */
export const Tags = {
  provider: 'rotor:provider',
  adminSecret: 'rotor:admin-secret',
  grace: 'rotor:grace',
  maxAge: 'rotor:max-age',
  unusedAfter: 'rotor:unused-after',
  unusedAction: 'rotor:unused-action',
  expiryWarning: 'rotor:expiry-warning',
  /** Written by the rotation function before it mints a key, so a retry knows to look for it. */
  minting: 'rotor:minting',
} as const;

/** Every tag Rotor owns starts with this prefix; provider settings use it too. */
export const TAG_PREFIX = 'rotor:';

/** Stage labels of the Secrets Manager rotation protocol. */
export const Stage = {
  current: 'AWSCURRENT',
  pending: 'AWSPENDING',
  previous: 'AWSPREVIOUS',
} as const;

export const PolicyDefaults = {
  grace: 24 * Durations.HOUR,
  maxAge: 90 * Durations.DAY,
  expiryWarning: 7 * Durations.DAY,
} as const;

export type UnusedAction = 'notify' | 'revoke';

/** The non-secret configuration of one managed key, read from its tags. */
export interface ManagedSecretPolicy {
  readonly provider: string;
  /** Name or ARN of the secret holding the admin credential that mints and revokes keys. */
  readonly adminSecretId: string;
  /** How long a superseded key stays live so that caches can refresh. */
  readonly graceMs: number;
  /** Hard ceiling on any key's life, superseded or not. */
  readonly maxAgeMs: number;
  /** Flag (or revoke) a key nobody has read for this long; undefined turns the check off. */
  readonly unusedAfterMs?: number;
  readonly unusedAction: UnusedAction;
  /** Lead time for `Key Expiring` before a key's expiry. */
  readonly expiryWarningMs: number;
  /**
   * Provider settings: every other `rotor:` tag with the prefix removed
   * (`rotor:scopes` becomes `scopes`). Each adapter documents the ones it reads.
   */
  readonly settings: Readonly<Record<string, string>>;
}

const POLICY_TAGS = new Set<string>(Object.values(Tags));

/** Reads and validates a managed secret's policy from its tags; errors name the tag. */
export function parsePolicy(secretName: string, tags: Readonly<Record<string, string>>): ManagedSecretPolicy {
  const required = (tag: string): string => {
    const value = tags[tag]?.trim();
    if (!value) throw new ManagedSecretConfigError(secretName, tag, 'is missing');
    return value;
  };
  const duration = (tag: string, fallback: number | undefined): number | undefined => {
    const raw = tags[tag];
    if (raw === undefined) return fallback;
    const ms = parseDuration(raw);
    if (ms === undefined) {
      throw new ManagedSecretConfigError(
        secretName,
        tag,
        'is not an ISO-8601 duration such as PT24H or P45D',
      );
    }
    return ms;
  };

  const provider = required(Tags.provider).toLowerCase();
  const adminSecretId = required(Tags.adminSecret);
  const graceMs = duration(Tags.grace, PolicyDefaults.grace) as number;
  const maxAgeMs = duration(Tags.maxAge, PolicyDefaults.maxAge) as number;
  if (graceMs >= maxAgeMs) {
    throw new ManagedSecretConfigError(secretName, Tags.grace, `must be shorter than ${Tags.maxAge}`);
  }
  const unusedAction = tags[Tags.unusedAction] ?? 'notify';
  if (unusedAction !== 'notify' && unusedAction !== 'revoke') {
    throw new ManagedSecretConfigError(secretName, Tags.unusedAction, 'must be "notify" or "revoke"');
  }

  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (key.startsWith(TAG_PREFIX) && !POLICY_TAGS.has(key)) settings[key.slice(TAG_PREFIX.length)] = value;
  }

  return {
    provider,
    adminSecretId,
    graceMs,
    maxAgeMs,
    unusedAfterMs: duration(Tags.unusedAfter, undefined),
    unusedAction,
    expiryWarningMs: duration(Tags.expiryWarning, PolicyDefaults.expiryWarning) as number,
    settings,
  };
}

/**
 * The name Rotor gives a key at the provider: recognisable as Rotor's (orphan
 * cleanup lists by the prefix) and derived from the rotation token, so a retry
 * of the same rotation can find the key an earlier attempt minted.
 */
export function providerKeyName(secretName: string, token: string): string {
  return `${providerKeyPrefix(secretName)}${tokenSuffix(token)}`;
}

/** The prefix shared by every key Rotor mints for one secret. */
export function providerKeyPrefix(secretName: string): string {
  return `rotor-${secretName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64)}-`;
}

function tokenSuffix(token: string): string {
  return token.replace(/[^A-Za-z0-9]/g, '').slice(-12);
}
