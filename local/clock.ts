import { RotorError } from '../lambdas/domain/errors';
import { CLOCK_OFFSET_MS, type Clock, systemClock } from '../lambdas/domain/ports';

/** Local mode's clock was asked to move backwards. */
export class ClockError extends RotorError {}

type OffsetHolder = Record<symbol, number | undefined>;

/**
 * Local mode's fake clock. It moves the process-wide offset that systemClock
 * adds to the real time (lambdas/domain/ports.ts), so the real handler
 * modules, the rotor CLI's code and the emulator's Secrets Manager dates all
 * see the same jumps, and nothing waits for real. Time only moves forward once
 * the scenario has begun; `reset` puts the real clock back.
 */
export class LocalClock implements Clock {
  /** Starts the clock at `start` (in the past, so the scenario can end at the real now). */
  static startingAt(start: Date): LocalClock {
    const clock = new LocalClock();
    clock.setOffset(start.getTime() - Date.now());
    return clock;
  }

  now(): Date {
    return systemClock.now();
  }

  sleep(ms: number): Promise<void> {
    return systemClock.sleep(ms);
  }

  /** Jumps forward by `ms`. */
  advance(ms: number): void {
    if (ms < 0) throw new ClockError(`The clock only moves forward (asked to move ${ms} ms)`);
    this.setOffset(this.offset() + ms);
  }

  /** Jumps forward to `date`, which must not be in the clock's past. */
  advanceTo(date: Date): void {
    this.advance(date.getTime() - this.now().getTime());
  }

  /** Milliseconds between this clock and the real one. */
  offset(): number {
    return (globalThis as unknown as OffsetHolder)[CLOCK_OFFSET_MS] ?? 0;
  }

  /** Back to real time, whatever the offset (tests, and the end of a run). */
  reset(): void {
    delete (globalThis as unknown as OffsetHolder)[CLOCK_OFFSET_MS];
  }

  private setOffset(ms: number): void {
    (globalThis as unknown as OffsetHolder)[CLOCK_OFFSET_MS] = ms;
  }
}
