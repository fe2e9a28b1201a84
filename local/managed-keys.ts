import { Durations, parseDuration } from '../lambdas/domain/duration';
import { PolicyDefaults } from '../lambdas/domain/managed-secret';
import { loadConfig, type ManagedKeyConfig } from '../lib/config';
import { managedKeyTags } from '../lib/managed-key-spec';
import { resolveSchedule } from '../lib/schedule';
import { type RotationRules, rotationIntervalMs } from './emulator/secrets-manager';

/** One managed key as local mode deploys it: what the stack would create for it. */
export interface LocalKey {
  readonly id: string;
  readonly secretName: string;
  readonly provider: string;
  readonly adminSecret: string;
  readonly tags: Readonly<Record<string, string>>;
  /** RotationRules as the stack's RotationSchedule sends them. */
  readonly rules: RotationRules;
  readonly intervalMs: number;
  readonly graceMs: number;
  /** Added by local mode because the config declares fewer keys than the scenario shows. */
  readonly localOnly: boolean;
}

/** The scenario shows three keys; a config with fewer is topped up with these (marked local-only). */
const EXTRA_KEYS: Readonly<Record<string, ManagedKeyConfig>> = {
  alerts: {
    secretName: 'prod/alerts/sendgrid',
    provider: 'sendgrid',
    adminSecret: 'rotor/admin/sendgrid',
    schedule: { every: 'P30D' },
    grace: 'PT6H',
    maxAge: 'P45D',
    settings: { scopes: 'mail.send' },
  },
  digest: {
    secretName: 'prod/digest/sendgrid',
    provider: 'sendgrid',
    adminSecret: 'rotor/admin/sendgrid',
    schedule: { every: 'P30D' },
    grace: 'PT6H',
    maxAge: 'P45D',
    settings: { scopes: 'mail.send' },
  },
};

export const SCENARIO_KEY_COUNT = 3;

/** Reads the managed keys of a Rotor config file (validated as `cdk synth` validates it). */
export function loadManagedKeys(configFile: string, minimum = SCENARIO_KEY_COUNT): LocalKey[] {
  const config = loadConfig(configFile);
  const keys = Object.entries(config.keys).map(([id, key]) => localKey(id, key, false));
  for (const [id, key] of Object.entries(EXTRA_KEYS)) {
    if (keys.length >= minimum) break;
    if (keys.some((existing) => existing.id === id || existing.secretName === key.secretName)) continue;
    keys.push(localKey(id, key, true));
  }
  return keys;
}

function localKey(id: string, key: ManagedKeyConfig, localOnly: boolean): LocalKey {
  const schedule = resolveSchedule(key.schedule);
  const rules: RotationRules = {
    ScheduleExpression: schedule.scheduleExpression,
    ...(schedule.duration ? { Duration: schedule.duration } : {}),
  };
  return {
    id,
    secretName: key.secretName ?? `rotor/${id}`,
    provider: key.provider,
    adminSecret: key.adminSecret,
    tags: managedKeyTags(key, key.adminSecret),
    rules,
    intervalMs: rotationIntervalMs(rules),
    graceMs: key.grace ? (parseDuration(key.grace) ?? PolicyDefaults.grace) : PolicyDefaults.grace,
    localOnly,
  };
}

/** Hours, rounded up, for the scenario's narration. */
export function hoursOf(ms: number): number {
  return Math.ceil(ms / Durations.HOUR);
}
