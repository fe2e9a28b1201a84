import { describe, expect, it } from 'vitest';
import { Durations } from '../../lambdas/domain/duration';
import { resolveSchedule } from '../../lib/schedule';

const { HOUR, DAY } = Durations;

describe('resolveSchedule', () => {
  it('turns a day interval into rate(N days)', () => {
    expect(resolveSchedule({ every: 'P30D' })).toEqual({
      scheduleExpression: 'rate(30 days)',
      minIntervalMs: 30 * DAY,
      maxIntervalMs: 30 * DAY,
    });
  });

  it('turns an hour interval into rate(N hours) and a window into RotationRules Duration', () => {
    expect(resolveSchedule({ every: 'PT12H', window: 'PT2H' })).toMatchObject({
      scheduleExpression: 'rate(12 hours)',
      duration: '2h',
    });
  });

  it('finds a weekly cron one week apart', () => {
    expect(resolveSchedule({ cron: 'cron(0 3 ? * MON *)' })).toMatchObject({
      minIntervalMs: 7 * DAY,
      maxIntervalMs: 7 * DAY,
    });
  });

  it('finds the shortest and longest gap of a monthly cron', () => {
    expect(resolveSchedule({ cron: 'cron(0 4 1 * ? *)' })).toMatchObject({
      minIntervalMs: 28 * DAY,
      maxIntervalMs: 31 * DAY,
    });
  });

  it('finds uneven hour lists', () => {
    expect(resolveSchedule({ cron: 'cron(0 6,18 ? * MON-FRI *)' })).toMatchObject({
      minIntervalMs: 12 * HOUR,
      maxIntervalMs: 60 * HOUR,
    });
  });

  it('refuses both or neither of every and cron', () => {
    expect(() => resolveSchedule({})).toThrow(/exactly one/);
    expect(() => resolveSchedule({ every: 'P1D', cron: 'cron(0 4 * * ? *)' })).toThrow(/exactly one/);
  });

  it('refuses a window as long as the interval', () => {
    expect(() => resolveSchedule({ every: 'PT4H', window: 'PT4H' })).toThrow(
      /shorter than the rotation interval/,
    );
  });

  it('refuses cron features it cannot measure', () => {
    expect(() => resolveSchedule({ cron: 'cron(0 4 L * ? *)' })).toThrow(/no L, W or #/);
  });
});
