import fc from 'fast-check';
import { Invariants } from './invariants';
import { printSchedule, type Schedule, type ScheduleEvent } from './schedule';
import { World } from './world';

/** The first event after which an invariant failed, and what failed. */
export interface ScheduleFailure {
  readonly event: number;
  readonly violations: readonly string[];
}

export interface ReplayOptions {
  /** Managed secrets in the model (the last one starts without a key). */
  readonly secrets?: number;
  /** Builds the world (a subclass adds leak reports). */
  readonly world?: (secrets: number) => Promise<World>;
}

/**
 * Plays a schedule against a fresh world, checking every invariant after every
 * event and after every scheduled sweep inside a clock jump. Resolves with the
 * first failure, or undefined when every invariant held throughout.
 */
export async function replay(
  schedule: Schedule,
  options: ReplayOptions = {},
): Promise<ScheduleFailure | undefined> {
  return (await play(schedule, options)).failure;
}

/** Plays a schedule like `replay`, and also hands back the world it leaves, for assertions beyond the invariants. */
export async function play(
  schedule: Schedule,
  options: ReplayOptions = {},
): Promise<{ readonly world: World; readonly failure: ScheduleFailure | undefined }> {
  const secrets = options.secrets ?? 2;
  const world = await (options.world ?? World.create)(secrets);
  const invariants = new Invariants(world);
  let failure: ScheduleFailure | undefined;
  const check = () => {
    if (failure) return;
    const violations = invariants.check();
    if (violations.length > 0) failure = { event: world.eventNumber, violations };
  };
  world.afterScheduledSweep = check;
  check();
  for (const event of schedule) {
    if (failure) break;
    await world.run(event);
    check();
  }
  return { world, failure };
}

/** Fails with the violations and the schedule, so the failure can be pasted as a regression test. */
export async function expectScheduleHolds(schedule: Schedule, options: ReplayOptions = {}): Promise<void> {
  const failure = await replay(schedule, options);
  if (failure) throw new InvariantViolation(schedule, failure);
}

/** An invariant failed; the message carries the schedule as TypeScript. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  constructor(
    readonly schedule: Schedule,
    readonly failure: ScheduleFailure,
  ) {
    super(
      `after event ${failure.event} (${describeEvent(schedule[failure.event - 1])}):\n  ${failure.violations.join('\n  ')}`,
    );
  }
}

function describeEvent(event: ScheduleEvent | undefined): string {
  return event ? JSON.stringify(event) : 'the initial state';
}

/** Schedules per property: 1,000 in CI, `ROTOR_PROPERTY_RUNS` for the soak. */
export function propertyRuns(): number {
  const raw = process.env.ROTOR_PROPERTY_RUNS;
  const runs = raw ? Number(raw) : 1_000;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('ROTOR_PROPERTY_RUNS must be a positive integer');
  return runs;
}

/** The fixed seed CI always replays; a fresh seed is drawn beside it on every run and printed. */
export const FIXED_SEED = 20_270_104;

/** A new seed per run, or `ROTOR_PROPERTY_SEED` to replay one that failed. */
export function freshSeed(): number {
  const raw = process.env.ROTOR_PROPERTY_SEED;
  return raw ? Number(raw) : Math.floor(Math.random() * 2 ** 31);
}

/** Two minutes for a CI-sized run on a shared 2-core machine; a soak may take as long as it needs. */
export function propertyTimeoutMs(): number {
  return propertyRuns() > 1_000 ? 0 : 120_000;
}

/**
 * Checks that every schedule drawn from `arbitrary` keeps the invariants,
 * `runs` times from `seed`. On failure fast-check shrinks to the minimal
 * schedule, and the error prints it, ready to paste into regressions.test.ts,
 * with the seed and path that replay the whole search.
 */
export async function assertSchedulesHold(
  name: string,
  arbitrary: fc.Arbitrary<Schedule>,
  seed: number,
  options: ReplayOptions & { readonly runs?: number } = {},
): Promise<void> {
  const property = fc.asyncProperty(arbitrary, (schedule) => expectScheduleHolds(schedule, options));
  const details = await fc.check(property, {
    seed,
    numRuns: options.runs ?? propertyRuns(),
    endOnFailure: false,
  });
  if (!details.failed) return;
  const [minimal] = details.counterexample ?? [];
  const reason =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    [
      `Property "${name}" failed (seed ${details.seed}, path "${details.counterexamplePath}", ${details.numShrinks} shrinks).`,
      `Violated ${reason}`,
      'Minimal schedule, to keep in test/reliability/regressions.test.ts:',
      minimal ? printSchedule(minimal) : '(none)',
    ].join('\n'),
  );
}
