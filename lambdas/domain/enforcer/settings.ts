import { Durations } from '../duration';

/** The enforcer's thresholds and limits; each has a default and a construct prop / env var. */
export interface EnforcerSettings {
  /** A rotation whose AWSPENDING has not moved for this long is stuck and gets cleared. */
  readonly stuckAfterMs: number;
  /** An unreferenced provider key younger than this is left alone: a rotation may still store it. */
  readonly orphanDelayMs: number;
  /** How often the schedule runs the sweep; reminders (expiry, unused) fire once per crossing of this window. */
  readonly sweepIntervalMs: number;
  /** Pace of Secrets Manager writes (UpdateSecretVersionStage, RotateSecret): under the 50 TPS shared quota. */
  readonly writesPerSecond: number;
  /** Provider calls in flight at once, per provider. */
  readonly providerConcurrency: number;
  /** Secrets being worked on at once. */
  readonly secretConcurrency: number;
  /** When less than this remains of the invocation, finish what is in flight and hand the rest on. */
  readonly continuationReserveMs: number;
  /** Reminders (`Key Expiring`, `Key Unused`) repeat at this interval while the condition holds. */
  readonly reminderIntervalMs: number;
  /** List provider keys to find orphans (one list call per provider account per invocation). */
  readonly orphanScan: boolean;
}

export const DEFAULT_ENFORCER_SETTINGS: EnforcerSettings = {
  stuckAfterMs: 2 * Durations.HOUR,
  orphanDelayMs: 24 * Durations.HOUR,
  sweepIntervalMs: Durations.HOUR,
  // 90% of the 50 TPS write quota: the rotation function and the CLI share it.
  writesPerSecond: 45,
  providerConcurrency: 4,
  secretConcurrency: 32,
  continuationReserveMs: 60 * Durations.SECOND,
  reminderIntervalMs: Durations.DAY,
  orphanScan: true,
};
