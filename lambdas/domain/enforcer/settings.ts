import { Durations, parseDuration } from '../duration';
import { RotorError } from '../errors';

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

/** An enforcer setting in the environment is not what it should be: fail at cold start. */
export class InvalidEnforcerSettingError extends RotorError {}

/** Environment variables the construct sets, by setting. */
export const EnforcerEnv = {
  stuckAfter: 'ENFORCER_STUCK_AFTER',
  orphanDelay: 'ENFORCER_ORPHAN_DELAY',
  sweepInterval: 'ENFORCER_SWEEP_INTERVAL',
  writesPerSecond: 'ENFORCER_WRITES_PER_SECOND',
  providerConcurrency: 'ENFORCER_PROVIDER_CONCURRENCY',
  orphanScan: 'ENFORCER_ORPHAN_SCAN',
} as const;

/** Reads the settings the deployment overrides (ISO-8601 durations, numbers, `true`/`false`); the rest default. */
export function enforcerSettingsFromEnv(env: NodeJS.ProcessEnv): EnforcerSettings {
  const duration = (name: string, fallback: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const ms = parseDuration(raw);
    if (ms === undefined) throw new InvalidEnforcerSettingError(`${name} is not an ISO-8601 duration`);
    return ms;
  };
  const positive = (name: string, fallback: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!(value > 0)) throw new InvalidEnforcerSettingError(`${name} must be a positive number`);
    return value;
  };
  const d = DEFAULT_ENFORCER_SETTINGS;
  const orphanScan = env[EnforcerEnv.orphanScan]?.trim();
  if (orphanScan && orphanScan !== 'true' && orphanScan !== 'false') {
    throw new InvalidEnforcerSettingError(`${EnforcerEnv.orphanScan} must be true or false`);
  }
  return {
    ...d,
    stuckAfterMs: duration(EnforcerEnv.stuckAfter, d.stuckAfterMs),
    orphanDelayMs: duration(EnforcerEnv.orphanDelay, d.orphanDelayMs),
    sweepIntervalMs: duration(EnforcerEnv.sweepInterval, d.sweepIntervalMs),
    writesPerSecond: positive(EnforcerEnv.writesPerSecond, d.writesPerSecond),
    providerConcurrency: Math.floor(positive(EnforcerEnv.providerConcurrency, d.providerConcurrency)),
    orphanScan: orphanScan ? orphanScan === 'true' : d.orphanScan,
  };
}
