import type { ProviderRegistry } from '../providers';
import type { AssistedGuide, ProviderAdapter } from '../providers/provider';
import { Durations, parseDuration } from './duration';
import { ManagedSecretConfigError } from './errors';
import { type ManagedSecretPolicy, parsePolicy, Tags } from './managed-secret';

/**
 * Assisted rotation (issue 5, DESIGN §6): providers whose keys cannot be
 * minted through an API. Rotor still owns the schedule and the policy; an
 * operator makes the key at the provider and supplies it through the CLI.
 *
 * State lives in tags, like `rotor:minting`, so that the enforcer sees it from
 * ListSecrets without reading a value. An empty value means "nothing open"
 * (the store port can tag but not untag).
 */
export const AssistedTags = {
  /** `api` (default) or `assisted`: forces assisted rotation for any provider. */
  mode: 'rotor:mode',
  /** How often reminders repeat while the operator has not acted (ISO-8601 duration, default P1D). */
  remindEvery: 'rotor:remind-every',
  /** When Rotor asked for a new key; empty once one is supplied. */
  requestedAt: 'rotor:assisted-requested-at',
  /** When the superseded key's grace period ends and the operator must revoke it; empty once confirmed. */
  revokeDueAt: 'rotor:assisted-revoke-due-at',
  /** When the last reminder went out, so the enforcer's sweeps do not repeat it each run. */
  remindedAt: 'rotor:assisted-reminded-at',
  /**
   * When the current key was supplied. A supply moves AWSCURRENT without a
   * rotation, so LastRotatedDate does not change: the enforcer dates the key
   * from this tag.
   */
  suppliedAt: 'rotor:assisted-supplied-at',
} as const;

export const DEFAULT_REMIND_EVERY_MS = Durations.DAY;

/** Stands in for `rotor:admin-secret` on secrets that have none: assisted rotation never connects. */
const NO_ADMIN_CREDENTIAL = 'none (assisted rotation)';

/** An assisted secret's adapter, policy and what the operator must do. */
export interface AssistedRotation {
  readonly adapter: ProviderAdapter;
  readonly guide: AssistedGuide;
  readonly policy: ManagedSecretPolicy;
  readonly remindEveryMs: number;
}

/**
 * Decides whether a secret is rotated by an operator, and if so parses its
 * policy (an assisted secret needs no `rotor:admin-secret`). Returns undefined
 * for API-rotated secrets. Assisted when:
 * - the provider has no key API (`mode: 'assisted'`, e.g. `manual`);
 * - `rotor:mode` is `assisted` and the adapter has an assisted guide;
 * - the adapter can fall back (has a guide) and the secret names no admin
 *   credential: Stripe without an installed Stripe App.
 * Errors name the tag that is wrong.
 */
export function resolveAssistedRotation(
  registry: ProviderRegistry,
  secretName: string,
  tags: Readonly<Record<string, string>>,
): AssistedRotation | undefined {
  const providerId = tags[Tags.provider]?.trim();
  if (!providerId) throw new ManagedSecretConfigError(secretName, Tags.provider, 'is missing');
  const adapter = registry.get(providerId);
  const mode = (tags[AssistedTags.mode] ?? 'api').trim().toLowerCase();
  if (mode !== 'api' && mode !== 'assisted') {
    throw new ManagedSecretConfigError(secretName, AssistedTags.mode, 'must be "api" or "assisted"');
  }
  const hasAdminCredential = Boolean(tags[Tags.adminSecret]?.trim());
  const assisted =
    adapter.mode === 'assisted' ||
    mode === 'assisted' ||
    (adapter.assisted !== undefined && !hasAdminCredential);
  if (!assisted) return undefined;
  if (!adapter.assisted) {
    throw new ManagedSecretConfigError(
      secretName,
      AssistedTags.mode,
      `is "assisted" but ${adapter.displayName} has no assisted rotation guide`,
    );
  }
  const policy = parsePolicy(secretName, {
    ...tags,
    ...(hasAdminCredential ? {} : { [Tags.adminSecret]: NO_ADMIN_CREDENTIAL }),
  });
  const remindRaw = tags[AssistedTags.remindEvery];
  const remindEveryMs = remindRaw === undefined ? DEFAULT_REMIND_EVERY_MS : parseDuration(remindRaw);
  if (remindEveryMs === undefined || remindEveryMs <= 0) {
    throw new ManagedSecretConfigError(
      secretName,
      AssistedTags.remindEvery,
      'is not an ISO-8601 duration such as PT12H or P1D',
    );
  }
  return { adapter, guide: adapter.assisted, policy, remindEveryMs };
}

/** A tag holding an ISO time, or undefined when it is absent or empty. */
export function tagTime(tags: Readonly<Record<string, string>>, tag: string): Date | undefined {
  const value = tags[tag]?.trim();
  if (!value) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}
