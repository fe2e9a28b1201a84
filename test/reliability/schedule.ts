import fc from 'fast-check';

/**
 * The vocabulary of a reliability schedule: plain data, so that a failing
 * schedule prints as a literal that can be pasted into a regression test.
 */

/** What a fault does to the call it hits. */
export type FaultKind =
  /** The Lambda dies here: this call and every later call of the same invocation fail. */
  | 'crash'
  /** Secrets Manager ThrottlingException (on a provider call: HTTP 429). */
  | 'throttle'
  /** Provider HTTP 429 after every retry (on a store call: throttling). */
  | 'rate-limit'
  /** Provider HTTP 503 (on a store call: throttling). */
  | 'unavailable'
  /** The call does its work, then the answer is lost (a timeout after success). */
  | 'accepted-then-timeout'
  /** The call does its work, then answers 2xx with a body that is not the documented shape. */
  | 'garbled';

/**
 * A fault at the `at`-th port call (store, provider or event bus) of one event, counted from 0.
 * Regression tests may aim by operation instead (`on`: the first call of, say, `verify key` or
 * `PutSecretValue`), which survives product changes that add or remove calls.
 */
export interface Fault {
  readonly at: number;
  readonly kind: FaultKind;
  readonly on?: string;
}

/** Something that starts work in Rotor. `secret` indexes the model's managed secrets. */
export type Trigger =
  /** Secrets Manager's schedule; when a rotation is under way the service re-attempts it with its token. */
  | { readonly do: 'schedule'; readonly secret: number }
  /** RotateSecret from the CLI or console; `revokeNow` kills the outgoing key at promotion. */
  | { readonly do: 'rotate-now'; readonly secret: number; readonly revokeNow: boolean }
  /** An extra enforcer sweep (the scheduled ones run on every sweep interval the clock crosses). */
  | { readonly do: 'sweep' }
  /** A leak report for the key the secret's AWSCURRENT or AWSPREVIOUS holds. */
  | { readonly do: 'leak'; readonly secret: number; readonly stage: 'current' | 'previous' };

export type ScheduleEvent =
  | (Trigger & { readonly faults: readonly Fault[] })
  /** The clock jumps; every sweep interval it crosses runs a fault-free scheduled sweep. */
  | { readonly do: 'advance'; readonly minutes: number }
  /**
   * Two triggers at once. `yields` are microtask ticks each port call waits
   * (cycled), so shrinking explores different interleavings.
   */
  | {
      readonly do: 'together';
      readonly first: Trigger;
      readonly second: Trigger;
      readonly yields: readonly number[];
      readonly faults: readonly Fault[];
    };

export type Schedule = readonly ScheduleEvent[];

/** Which triggers a property exercises (leak reports join once the leak response is wired in). */
export interface ScheduleOptions {
  readonly secrets: number;
  readonly leaks: boolean;
  readonly maxEvents: number;
}

const faultKinds: readonly FaultKind[] = [
  'garbled',
  'crash',
  'throttle',
  'rate-limit',
  'unavailable',
  'accepted-then-timeout',
];

/** At most two faults per event, aimed at the first 40 port calls (an event makes a few dozen). */
export const faultsArb: fc.Arbitrary<readonly Fault[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant([]) },
  {
    weight: 3,
    arbitrary: fc.array(fc.record({ at: fc.nat({ max: 40 }), kind: fc.constantFrom(...faultKinds) }), {
      minLength: 1,
      maxLength: 2,
    }),
  },
);

function triggerArb(options: ScheduleOptions): fc.Arbitrary<Trigger> {
  const secret = fc.nat({ max: options.secrets - 1 });
  const triggers: fc.Arbitrary<Trigger>[] = [
    secret.map((index) => ({ do: 'schedule' as const, secret: index })),
    fc.record({ do: fc.constant('rotate-now' as const), secret, revokeNow: fc.boolean() }),
    fc.constant({ do: 'sweep' as const }),
  ];
  if (options.leaks) {
    triggers.push(
      fc.record({
        do: fc.constant('leak' as const),
        secret,
        stage: fc.constantFrom('current' as const, 'previous' as const),
      }),
    );
  }
  return fc.oneof(...triggers);
}

/**
 * Clock jumps: minutes (inside a grace period or a sweep interval) or a day
 * and more (past grace, the orphan delay and the max age).
 */
const advanceArb = fc
  .oneof(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 91, max: 36 * 60 }))
  .map((minutes) => ({ do: 'advance' as const, minutes }));

/** Random schedules of triggers, faults, clock jumps and concurrent triggers. */
export function scheduleArb(options: ScheduleOptions): fc.Arbitrary<Schedule> {
  const trigger = triggerArb(options);
  const event: fc.Arbitrary<ScheduleEvent> = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(trigger, faultsArb).map(([t, faults]) => ({ ...t, faults })) },
    { weight: 4, arbitrary: advanceArb },
    {
      weight: 2,
      arbitrary: fc.record({
        do: fc.constant('together' as const),
        first: trigger,
        second: trigger,
        yields: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 4 }),
        faults: faultsArb,
      }),
    },
  );
  return fc.array(event, { minLength: 1, maxLength: options.maxEvents });
}

/** A schedule as TypeScript, ready to paste into test/reliability/regressions.test.ts. */
export function printSchedule(schedule: Schedule): string {
  const lines = schedule.map((event) => `  ${JSON.stringify(event)},`);
  return `const schedule: Schedule = [\n${lines.join('\n')}\n];`;
}
