import { describe, expect, it } from 'vitest';
import { mapConcurrent, RateLimiter } from '../../lambdas/cli/rate-limiter';
import { FakeClock } from '../support/fake-clock';

describe('RateLimiter', () => {
  it('starts at most `perSecond` calls in any sliding second', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, clock);
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 35 }, async () => {
        await limiter.acquire();
        starts.push(clock.now().getTime());
      }),
    );
    for (let index = 10; index < starts.length; index++) {
      expect((starts[index] as number) - (starts[index - 10] as number)).toBeGreaterThanOrEqual(1000);
    }
  });

  it('spaces calls evenly rather than in bursts', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(4, clock, 0);
    const starts: number[] = [];
    for (let index = 0; index < 4; index++) {
      await limiter.acquire();
      starts.push(clock.now().getTime() - new Date('2026-12-04T19:00:00Z').getTime());
    }
    expect(starts).toEqual([0, 250, 500, 750]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter(0, new FakeClock())).toThrow(RangeError);
  });
});

describe('mapConcurrent', () => {
  it('runs at most `limit` tasks at once and keeps the results in order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapConcurrent([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5 - (item % 3)));
      running--;
      return item * 10;
    });
    expect(peak).toBe(3);
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
  });
});
