import { formatDuration, parseDuration } from '../lambdas/domain/duration';
import { RotorError } from '../lambdas/domain/errors';
import { PolicyDefaults, TAG_PREFIX, Tags, type UnusedAction } from '../lambdas/domain/managed-secret';
import { PROVIDER_IDS } from '../lambdas/providers';
import { type ResolvedSchedule, type RotationScheduleSpec, resolveSchedule, ScheduleError } from './schedule';

/**
 * The declaration of one managed key, as the construct and the config file take
 * it. Durations are ISO-8601 (`PT24H`, `P45D`), exactly as they land in the tags.
 */
export interface ManagedKeySpec {
  /**
   * Name of the managed secret applications read.
   * @default `rotor/<key id>`
   */
  readonly secretName?: string;
  /** Provider id (`rotor:provider`), one of the adapters registered in lambdas/providers. */
  readonly provider: string;
  /** When the key rotates. */
  readonly schedule: RotationScheduleSpec;
  /**
   * How long a superseded key stays live; must be shorter than the rotation interval.
   * @default P1D
   */
  readonly grace?: string;
  /**
   * Hard ceiling on a key's life; must be longer than the rotation interval.
   * @default P90D
   */
  readonly maxAge?: string;
  /**
   * Flag a key nobody read for this long.
   * @default no unused check
   */
  readonly unusedAfter?: string;
  /**
   * What the enforcer does with an unused key.
   * @default 'notify'
   */
  readonly unusedAction?: UnusedAction;
  /**
   * Lead time for `Key Expiring` events.
   * @default P7D
   */
  readonly expiryWarning?: string;
  /**
   * Provider settings, written as `rotor:<name>` tags (SendGrid: `scopes`, `region`, `on-behalf-of`).
   * @default none
   */
  readonly settings?: Readonly<Record<string, string>>;
}

/** A managed-key declaration is invalid: the message names the key and the field. */
export class ManagedKeyDeclarationError extends RotorError {
  constructor(
    readonly keyId: string,
    readonly field: string,
    problem: string,
  ) {
    super(`Managed key "${keyId}": ${field} ${problem}`);
  }
}

/** One problem found in a declaration; `field` is a dotted path inside the key. */
export interface DeclarationProblem {
  readonly field: string;
  readonly message: string;
}

// Secrets Manager's tag rules: 256 characters of letters, digits, spaces and _ . : / = + - @.
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const SETTING_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const POLICY_TAGS = new Set<string>(Object.values(Tags));
const MAX_TAGS = 50;

/**
 * Every problem with a declaration, for the config schema (which reports them
 * all with their paths) and the construct (which throws the first).
 */
export function declarationProblems(spec: ManagedKeySpec): DeclarationProblem[] {
  const problems: DeclarationProblem[] = [];
  if (!PROVIDER_IDS.includes(spec.provider)) {
    problems.push({
      field: 'provider',
      message: `"${spec.provider}" is not a known provider (known: ${PROVIDER_IDS.join(', ')})`,
    });
  }

  let schedule: ResolvedSchedule | undefined;
  try {
    schedule = resolveSchedule(spec.schedule);
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    const field = error.field === 'schedule' ? 'schedule' : `schedule.${error.field}`;
    problems.push({ field, message: error.message });
  }

  const duration = (field: keyof ManagedKeySpec, fallback: number | undefined): number | undefined => {
    const text = spec[field] as string | undefined;
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    if (ms === undefined) {
      problems.push({ field, message: `"${text}" is not an ISO-8601 duration such as PT24H or P45D` });
    }
    return ms;
  };
  const grace = duration('grace', PolicyDefaults.grace);
  const maxAge = duration('maxAge', PolicyDefaults.maxAge);
  duration('unusedAfter', undefined);
  duration('expiryWarning', undefined);

  if (schedule && grace !== undefined && grace >= schedule.minIntervalMs) {
    problems.push({
      field: 'grace',
      message: `(${formatDuration(grace)}) must be shorter than the rotation interval (${formatDuration(schedule.minIntervalMs)})`,
    });
  }
  if (schedule && maxAge !== undefined && maxAge <= schedule.maxIntervalMs) {
    problems.push({
      field: 'maxAge',
      message: `(${formatDuration(maxAge)}) must be longer than the rotation interval (${formatDuration(schedule.maxIntervalMs)})`,
    });
  }
  if (spec.unusedAction !== undefined && spec.unusedAction !== 'notify' && spec.unusedAction !== 'revoke') {
    problems.push({ field: 'unusedAction', message: 'must be "notify" or "revoke"' });
  }

  for (const [name, value] of Object.entries(spec.settings ?? {})) {
    if (!SETTING_NAME.test(name) || POLICY_TAGS.has(`${TAG_PREFIX}${name}`)) {
      problems.push({
        field: `settings.${name}`,
        message: 'is not a provider setting name (lower-case letters, digits and dashes; not a policy tag)',
      });
    } else if (!TAG_VALUE.test(value)) {
      problems.push({
        field: `settings.${name}`,
        message:
          'must be at most 256 letters, digits, spaces or _ . : / = + - @ (a tag value; separate lists with spaces)',
      });
    }
  }
  if (Object.keys(managedKeyTags(spec, 'admin')).length > MAX_TAGS) {
    problems.push({ field: 'settings', message: `makes more than ${MAX_TAGS} tags` });
  }
  return problems;
}

/** Throws ManagedKeyDeclarationError naming the key and the field of the first problem. */
export function assertValidDeclaration(keyId: string, spec: ManagedKeySpec): ResolvedSchedule {
  const [first] = declarationProblems(spec);
  if (first) throw new ManagedKeyDeclarationError(keyId, first.field, first.message);
  return resolveSchedule(spec.schedule);
}

/**
 * The tags a managed secret carries (DESIGN §2). Grace and max age are always
 * written, so the enforcer and a reader of the console see the policy in force.
 */
export function managedKeyTags(spec: ManagedKeySpec, adminSecretName: string): Record<string, string> {
  const tags: Record<string, string> = {
    [Tags.provider]: spec.provider,
    [Tags.adminSecret]: adminSecretName,
    [Tags.grace]: spec.grace ?? formatDuration(PolicyDefaults.grace),
    [Tags.maxAge]: spec.maxAge ?? formatDuration(PolicyDefaults.maxAge),
  };
  if (spec.unusedAfter !== undefined) tags[Tags.unusedAfter] = spec.unusedAfter;
  if (spec.unusedAction !== undefined) tags[Tags.unusedAction] = spec.unusedAction;
  if (spec.expiryWarning !== undefined) tags[Tags.expiryWarning] = spec.expiryWarning;
  for (const [name, value] of Object.entries(spec.settings ?? {})) tags[`${TAG_PREFIX}${name}`] = value;
  return tags;
}
