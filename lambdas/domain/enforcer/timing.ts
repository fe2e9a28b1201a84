import { AssistedTags, tagTime } from '../assisted-mode';
import { Durations } from '../duration';
import type { SecretDescription } from '../ports';

/** Age buckets for the `KeysByAge` metric: where a fleet's current keys sit relative to common policies. */
export const AGE_BUCKETS = ['under-1d', '1d-7d', '7d-30d', '30d-90d', 'over-90d'] as const;

export type AgeBucket = (typeof AGE_BUCKETS)[number];

export function ageBucket(ageMs: number): AgeBucket {
  if (ageMs < Durations.DAY) return 'under-1d';
  if (ageMs < 7 * Durations.DAY) return '1d-7d';
  if (ageMs < 30 * Durations.DAY) return '7d-30d';
  if (ageMs < 90 * Durations.DAY) return '30d-90d';
  return 'over-90d';
}

/**
 * When the current key was made, from the listing alone: the last completed
 * rotation or, for a secret that never completed one, its creation. An
 * operator's supplied key (assisted rotation) is dated by its tag, since a
 * supply is not a rotation and leaves LastRotatedDate where it was.
 */
export function currentKeySince(secret: SecretDescription): Date | undefined {
  const rotated = secret.lastRotatedDate ?? secret.createdDate;
  const supplied = tagTime(secret.tags, AssistedTags.suppliedAt);
  if (!supplied) return rotated;
  return rotated && rotated > supplied ? rotated : supplied;
}

/** The version holding a staging label, if any. */
export function versionWith(secret: SecretDescription, stage: string): string | undefined {
  return Object.entries(secret.versionIdsToStages).find(([, stages]) => stages.includes(stage))?.[0];
}

/**
 * Whether a reminder is due at this sweep: the condition began at `since`, and
 * the sweep is the first one at or after `since`, or after each later
 * multiple of `repeatMs`. Needs no state between sweeps: a sweep that runs
 * every `intervalMs` sees each crossing exactly once.
 */
export function reminderDue(since: Date, now: Date, intervalMs: number, repeatMs: number): boolean {
  const elapsed = now.getTime() - since.getTime();
  if (elapsed < 0) return false;
  return elapsed % repeatMs < intervalMs;
}

/**
 * True when a key is past its max age: its stored `expiresAt`, or its
 * creation plus the secret's current max age if the policy has since been
 * shortened. Max age is a ceiling on a key's life, superseded or not.
 */
export function pastMaxAge(
  key: { readonly createdAt: string; readonly expiresAt: string },
  maxAgeMs: number,
  now: Date,
): boolean {
  const deadline = Math.min(Date.parse(key.expiresAt), Date.parse(key.createdAt) + maxAgeMs);
  return Number.isFinite(deadline) && now.getTime() >= deadline;
}
