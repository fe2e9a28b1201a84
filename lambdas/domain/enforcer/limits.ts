import type { Clock } from '../ports';

/**
 * Spaces calls to at most `perSecond` a second. Secrets Manager's write APIs
 * (PutSecretValue, UpdateSecretVersionStage, RotateSecret, …) share one
 * 50 TPS quota per account and region; the enforcer must leave room for the
 * rotation function and the CLI, so it paces its own writes under it.
 *
 * Slots are handed out in order, so the limiter holds no queue: each caller
 * reserves the next free instant and sleeps until then.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private nextSlot = Number.NEGATIVE_INFINITY;

  constructor(
    readonly perSecond: number,
    private readonly clock: Clock,
  ) {
    if (!(perSecond > 0)) throw new RangeError('A rate limit must be positive');
    this.intervalMs = 1000 / perSecond;
  }

  /** Resolves when the caller may make one call. */
  async acquire(): Promise<void> {
    const now = this.clock.now().getTime();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.clock.sleep(slot - now);
  }

  /** Runs `call` in the next free slot. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    await this.acquire();
    return call();
  }
}

/** At most `limit` calls in flight at once (provider calls, per provider). */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('A concurrency limit must be at least 1');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so `active` never overshoots.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.active;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}

/**
 * A bounded pool of background tasks: `submit` waits while the pool is full
 * (back-pressure on the listing), `drain` waits for every task. Task errors
 * must be handled by the task itself; the pool only keeps it from rejecting.
 */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError('A pool needs at least one slot');
  }

  async submit(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.size) await Promise.race(this.running);
    const promise: Promise<void> = task()
      .catch(() => undefined)
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
