import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit, RateLimiter, TaskPool } from '../../lambdas/domain/enforcer/limits';
import {
  DEFAULT_ENFORCER_SETTINGS,
  enforcerSettingsFromEnv,
  InvalidEnforcerSettingError,
} from '../../lambdas/domain/enforcer/settings';
import { reminderDue } from '../../lambdas/domain/enforcer/timing';
import { FakeClock } from '../support/fake-clock';

describe('RateLimiter', () => {
  it('spaces calls 1/rate apart: five calls at 50 a second span 80 ms', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(50, clock);
    const start = clock.now().getTime();

    await Promise.all(Array.from({ length: 5 }, () => limiter.run(async () => undefined)));

    expect(clock.sleeps).toEqual([20, 20, 20, 20]);
    expect(clock.now().getTime() - start).toBe(80);
  });

  it('does not hold back a call after an idle period', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(50, clock);
    await limiter.acquire();
    clock.advance(1_000);

    await limiter.acquire();

    expect(clock.sleeps).toEqual([]);
  });
});

describe('ConcurrencyLimit', () => {
  it('never has more than the limit in flight', async () => {
    const limit = new ConcurrencyLimit(2);
    let inFlight = 0;
    let peak = 0;
    const task = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
    };

    await Promise.all(Array.from({ length: 6 }, () => limit.run(task)));

    expect(peak).toBe(2);
  });
});

describe('TaskPool', () => {
  it('makes submit wait while the pool is full and drain wait for every task', async () => {
    const pool = new TaskPool(2);
    const done: number[] = [];
    for (let i = 0; i < 5; i++) {
      await pool.submit(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        done.push(i);
      });
    }
    await pool.drain();
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('reminderDue', () => {
  const since = new Date('2026-12-04T00:00:00Z');
  const hour = 3_600_000;
  it('is due on the first sweep after the crossing and once per repeat after it', () => {
    const due = [0.5, 1.5, 24.5, 25.5].map((h) =>
      reminderDue(since, new Date(since.getTime() + h * hour), hour, 24 * hour),
    );
    expect(due).toEqual([true, false, true, false]);
  });
});

describe('enforcerSettingsFromEnv', () => {
  it('defaults every setting the environment does not set', () => {
    expect(enforcerSettingsFromEnv({})).toEqual(DEFAULT_ENFORCER_SETTINGS);
  });

  it('reads durations, rates and switches', () => {
    expect(
      enforcerSettingsFromEnv({
        ENFORCER_STUCK_AFTER: 'PT4H',
        ENFORCER_WRITES_PER_SECOND: '20',
        ENFORCER_ORPHAN_SCAN: 'false',
      }),
    ).toMatchObject({ stuckAfterMs: 4 * 3_600_000, writesPerSecond: 20, orphanScan: false });
  });

  it('refuses a malformed duration', () => {
    expect(() => enforcerSettingsFromEnv({ ENFORCER_ORPHAN_DELAY: '1 day' })).toThrow(
      InvalidEnforcerSettingError,
    );
  });
});
