import type { Clock } from '../domain/ports';

/**
 * Spaces calls evenly at `perSecond` and, since timers fire late (a GC pause,
 * a busy event loop) and late calls would then bunch up, also keeps at most
 * `perSecond` calls in any sliding second measured on actual start times,
 * with a small margin for the time a request takes to reach the service.
 */
export class RateLimiter {
  private readonly started: number[] = [];
  private nextSlot = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly perSecond: number,
    private readonly clock: Clock,
    private readonly marginMs = 10,
  ) {
    if (!(perSecond > 0)) throw new RangeError('A rate limit must be a positive number of calls per second');
  }

  /** Resolves when one more call may start. Callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.wait());
    this.queue = turn;
    return turn;
  }

  private async wait(): Promise<void> {
    const interval = 1000 / this.perSecond;
    let now = this.clock.now().getTime();
    const slot = Math.max(now, this.nextSlot);
    if (slot > now) await this.clock.sleep(slot - now);
    now = this.clock.now().getTime();
    const window = Math.floor(this.perSecond);
    const oldest = this.started.length >= window ? this.started[this.started.length - window] : undefined;
    if (oldest !== undefined && now - oldest < 1000 + this.marginMs) {
      await this.clock.sleep(oldest + 1000 + this.marginMs - now);
      now = this.clock.now().getTime();
    }
    this.started.push(now);
    if (this.started.length > window) this.started.splice(0, this.started.length - window);
    // The schedule advances from the planned slot, not from when the timer fired, so
    // timer lateness does not accumulate over a long run; the window above bounds any catch-up.
    this.nextSlot = slot + interval;
  }
}

/** Runs `task` over `items` with at most `limit` running at once; results keep the items' order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
