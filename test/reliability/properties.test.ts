import { describe, it } from 'vitest';
import { assertSchedulesHold, FIXED_SEED, freshSeed, propertyRuns, propertyTimeoutMs } from './replay';
import { scheduleArb } from './schedule';

const seed = freshSeed();
// Printed so that a failure on the fresh seed can be replayed: ROTOR_PROPERTY_SEED=<seed>.
console.log(
  `reliability properties: fixed seed ${FIXED_SEED}, fresh seed ${seed}, ${propertyRuns()} runs each`,
);

/** Scheduled rotations, rotate-now, sweeps, clock jumps and two triggers at once, with faults anywhere. */
const rotations = scheduleArb({ secrets: 2, leaks: false, maxEvents: 12 });
/** The same with leak reports of current and previous keys mixed in. */
const withLeaks = scheduleArb({ secrets: 2, leaks: true, maxEvents: 12 });

describe('under random schedules of triggers, clock jumps and faults', () => {
  it('rotation and the enforcer keep every invariant (fixed seed)', {
    timeout: propertyTimeoutMs(),
  }, async () => {
    await assertSchedulesHold('rotation', rotations, FIXED_SEED);
  });

  it('rotation and the enforcer keep every invariant (fresh seed)', {
    timeout: propertyTimeoutMs(),
  }, async () => {
    await assertSchedulesHold('rotation', rotations, seed);
  });

  it('with leak reports, every invariant holds (fixed seed)', { timeout: propertyTimeoutMs() }, async () => {
    await assertSchedulesHold('leaks', withLeaks, FIXED_SEED);
  });

  it('with leak reports, every invariant holds (fresh seed)', { timeout: propertyTimeoutMs() }, async () => {
    await assertSchedulesHold('leaks', withLeaks, seed);
  });
});
