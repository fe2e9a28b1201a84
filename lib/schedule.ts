import { Durations, formatDuration, parseDuration } from '../lambdas/domain/duration';

/**
 * When a managed key rotates: either every fixed interval (`every`, an ISO-8601
 * duration such as `P30D` or `PT12H`) or on a Secrets Manager cron expression
 * (`cron(0 4 ? * MON *)`), optionally within a window (`window`, e.g. `PT3H`).
 */
export interface RotationScheduleSpec {
  /** Rotate at this interval. Exactly one of `every` and `cron`. */
  readonly every?: string;
  /** Rotate on this Secrets Manager cron expression (six fields, UTC). */
  readonly cron?: string;
  /**
   * How long after the scheduled time Secrets Manager may start the rotation.
   * @default Secrets Manager's default: the rest of the UTC day (daily or slower) or one hour
   */
  readonly window?: string;
}

/** What Secrets Manager needs (`RotationRules`) and what validation needs (the intervals). */
export interface ResolvedSchedule {
  readonly scheduleExpression: string;
  /** `Duration` of RotationRules, e.g. `3h`. */
  readonly duration?: string;
  /** Shortest time between two rotations. */
  readonly minIntervalMs: number;
  /** Longest time between two rotations. */
  readonly maxIntervalMs: number;
}

/** Secrets Manager refuses rotation schedules more frequent than every four hours. */
export const MIN_ROTATION_INTERVAL_MS = 4 * Durations.HOUR;

/** A schedule Rotor cannot turn into RotationRules; `field` names the offending field. */
export class ScheduleError extends Error {
  constructor(
    readonly field: 'every' | 'cron' | 'window' | 'schedule',
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

/** Turns a declared schedule into RotationRules and its interval bounds; throws ScheduleError. */
export function resolveSchedule(spec: RotationScheduleSpec): ResolvedSchedule {
  if ((spec.every === undefined) === (spec.cron === undefined)) {
    throw new ScheduleError('schedule', 'needs exactly one of "every" (an ISO-8601 duration) and "cron"');
  }
  const base = spec.every !== undefined ? fromRate(spec.every) : fromCron(spec.cron as string);
  if (base.minIntervalMs < MIN_ROTATION_INTERVAL_MS) {
    throw new ScheduleError(
      spec.every !== undefined ? 'every' : 'cron',
      `rotates every ${formatDuration(base.minIntervalMs)}; Secrets Manager allows no less than every 4 hours (PT4H)`,
    );
  }
  if (spec.window === undefined) return base;
  const windowMs = parseDuration(spec.window);
  if (windowMs === undefined || windowMs % Durations.HOUR !== 0) {
    throw new ScheduleError('window', `"${spec.window}" is not a whole number of hours such as PT3H`);
  }
  if (windowMs > 24 * Durations.HOUR || windowMs >= base.minIntervalMs) {
    throw new ScheduleError(
      'window',
      `${spec.window} must be at most 24 hours and shorter than the rotation interval (${formatDuration(base.minIntervalMs)})`,
    );
  }
  return { ...base, duration: `${windowMs / Durations.HOUR}h` };
}

function fromRate(every: string): ResolvedSchedule {
  const ms = parseDuration(every);
  if (ms === undefined || ms % Durations.HOUR !== 0) {
    throw new ScheduleError(
      'every',
      `"${every}" is not a whole number of hours or days such as P30D or PT12H`,
    );
  }
  const expression =
    ms % Durations.DAY === 0 ? plural(ms / Durations.DAY, 'day') : plural(ms / Durations.HOUR, 'hour');
  return { scheduleExpression: `rate(${expression})`, minIntervalMs: ms, maxIntervalMs: ms };
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------
// Cron: EventBridge-style six fields (minutes hours day-of-month month
// day-of-week year), as Secrets Manager takes them. The intervals are found by
// enumerating firings over two years, enough to see every weekday/month shape.

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const HORIZON_DAYS = 2 * 366;
const EPOCH = Date.UTC(2026, 0, 1);

function fromCron(expression: string): ResolvedSchedule {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  const fields = match?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6) {
    throw new ScheduleError(
      'cron',
      `"${expression}" is not cron(minutes hours day-of-month month day-of-week year)`,
    );
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new ScheduleError(
      'cron',
      `"${expression}" needs "?" in exactly one of day-of-month and day-of-week`,
    );
  }
  const sets = {
    minutes: values(expression, minutes, 0, 59),
    hours: values(expression, hours, 0, 23),
    days: dayOfMonth === '?' ? undefined : values(expression, dayOfMonth, 1, 31),
    months: values(expression, month, 1, 12, MONTHS),
    weekdays: dayOfWeek === '?' ? undefined : values(expression, dayOfWeek, 1, 7, WEEKDAYS),
  };
  let previous: number | undefined;
  let minIntervalMs = Number.POSITIVE_INFINITY;
  let maxIntervalMs = 0;
  for (let day = 0; day < HORIZON_DAYS; day++) {
    const date = new Date(EPOCH + day * Durations.DAY);
    if (!sets.months.has(date.getUTCMonth() + 1)) continue;
    if (sets.days && !sets.days.has(date.getUTCDate())) continue;
    if (sets.weekdays && !sets.weekdays.has(date.getUTCDay() + 1)) continue;
    for (const hour of [...sets.hours].sort((a, b) => a - b)) {
      for (const minute of [...sets.minutes].sort((a, b) => a - b)) {
        const at = date.getTime() + hour * Durations.HOUR + minute * Durations.MINUTE;
        if (previous !== undefined) {
          minIntervalMs = Math.min(minIntervalMs, at - previous);
          maxIntervalMs = Math.max(maxIntervalMs, at - previous);
          // Already too frequent: the caller rejects it, no need to enumerate further.
          if (minIntervalMs < MIN_ROTATION_INTERVAL_MS)
            return { scheduleExpression: expression, minIntervalMs, maxIntervalMs };
        }
        previous = at;
      }
    }
  }
  if (maxIntervalMs === 0) {
    throw new ScheduleError('cron', `"${expression}" fires fewer than twice in two years`);
  }
  return { scheduleExpression: expression.trim(), minIntervalMs, maxIntervalMs };
}

/** Expands one cron field (`*`, `5`, `1-5`, `*\/4`, `MON,WED`, `JAN-MAR`) into its values. */
function values(
  expression: string,
  field: string,
  min: number,
  max: number,
  names: string[] = [],
): Set<number> {
  const result = new Set<number>();
  const number = (text: string): number => {
    const named = names.indexOf(text.toUpperCase());
    const value = named >= 0 ? named + min : Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ScheduleError(
        'cron',
        `"${expression}": "${field}" is not a field Rotor understands (no L, W or #)`,
      );
    }
    return value;
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) {
      throw new ScheduleError('cron', `"${expression}": "${field}" has an invalid step`);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      [from, to] = [min, max];
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [number(a), number(b)];
    } else {
      from = number(range);
      to = stepText === undefined ? from : max;
    }
    for (let value = from; value <= to; value += step) result.add(value);
  }
  return result;
}
