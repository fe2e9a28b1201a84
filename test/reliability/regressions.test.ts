import { describe, expect, it } from 'vitest';
import { providerKeyName } from '../../lambdas/domain/managed-secret';
import { expectScheduleHolds, play } from './replay';
import type { Schedule } from './schedule';
import type { World } from './world';

/**
 * Minimal schedules the properties found, one per bug, kept so that the bug
 * stays fixed. Each replays against a fresh model (two secrets, the first
 * bootstrapped, the second waiting for its first key) and checks every
 * invariant after every event. docs/reliability.md describes each bug.
 */
/** The live provider keys Rotor minted for one secret. */
const liveKeysOf = (world: World, secretPrefix: string) =>
  world.provider.liveKeys().filter((key) => key.name.startsWith(`rotor-${secretPrefix.replace('/', '-')}`));

describe('reliability regressions', () => {
  it('revokes a previous key at its max age even while its grace period runs', async () => {
    // A scheduled rotation 25 minutes before key-1's max age gave it a 2-hour grace period.
    const schedule: Schedule = [
      { do: 'advance', minutes: 1415 },
      { do: 'schedule', secret: 0, faults: [{ at: 0, kind: 'accepted-then-timeout' }] },
      { do: 'advance', minutes: 48 },
      { do: 'advance', minutes: 10 },
      { do: 'advance', minutes: 33 },
      { do: 'schedule', secret: 0, faults: [{ at: 0, kind: 'crash' }] },
    ];
    await expectScheduleHolds(schedule);
  });

  it('clears a dead rotation that holds up an overdue key within a sweep, not the stuck threshold', async () => {
    // A rotation died in testSecret a minute before key-1's max age. Every sweep found it "under way",
    // so no rotation could be forced, and key-1 lived on until the 2-hour stuck threshold.
    const schedule: Schedule = [
      { do: 'advance', minutes: 1439 },
      { do: 'rotate-now', secret: 0, revokeNow: false, faults: [{ at: 0, on: 'verify key', kind: 'crash' }] },
      { do: 'advance', minutes: 62 },
    ];
    const { world, failure } = await play(schedule);
    expect(failure).toBeUndefined();
    expect(world.provider.isLive('key-1')).toBe(false);
  });

  it("judges a key's max age from its creation when a retried rotation promoted it late", async () => {
    // The bootstrap of secret 1 died after storing key-2; its retry promoted key-2 74 minutes later,
    // and LastRotatedDate made key-2 look 74 minutes younger than it was.
    const schedule: Schedule = [
      { do: 'rotate-now', secret: 1, revokeNow: false, faults: [{ at: 0, on: 'PutEvents', kind: 'crash' }] },
      { do: 'advance', minutes: 74 },
      { do: 'schedule', secret: 1, faults: [] },
      { do: 'advance', minutes: 1432 },
    ];
    await expectScheduleHolds(schedule);
  });

  it('keeps a rotation pending, without giving up, when reading the admin credential is throttled', async () => {
    const schedule: Schedule = [{ do: 'schedule', secret: 0, faults: [{ at: 3, kind: 'throttle' }] }];
    await expectScheduleHolds(schedule);
  });

  it('keeps a rotation pending, without giving up, when reading the admin credential times out', async () => {
    const schedule: Schedule = [
      { do: 'rotate-now', secret: 0, revokeNow: false, faults: [{ at: 3, kind: 'accepted-then-timeout' }] },
    ];
    await expectScheduleHolds(schedule);
  });

  it('raises no configuration Policy Violation when the sweep is throttled reading the admin credential', async () => {
    const schedule: Schedule = [{ do: 'sweep', faults: [{ at: 1, kind: 'throttle' }] }];
    await expectScheduleHolds(schedule);
  });

  it('recognises a leaked key whose Key Created event was lost in a crash', async () => {
    // createSecret died after storing key-2 and before publishing; the retry found it stored.
    const schedule: Schedule = [
      { do: 'schedule', secret: 0, faults: [{ at: 0, on: 'PutEvents', kind: 'crash' }] },
      { do: 'schedule', secret: 0, faults: [] },
      { do: 'leak', secret: 0, stage: 'current', faults: [] },
    ];
    await expectScheduleHolds(schedule);
  });
  it('revokes the stray of a duplicate createSecret that died before storing it within the orphan safety delay', async () => {
    // Secrets Manager re-attempted the rotation twice at once; both minted, one stored its key
    // and the other died at PutSecretValue. Its key was named for the stored version, so the
    // orphan rule counted it as referenced and left it live as long as that version was labelled.
    const schedule: Schedule = [
      {
        do: 'rotate-now',
        secret: 0,
        revokeNow: false,
        faults: [
          { at: 1, kind: 'garbled' },
          { at: 0, kind: 'garbled' },
        ],
      },
      {
        do: 'together',
        first: { do: 'schedule', secret: 0 },
        second: { do: 'schedule', secret: 0 },
        yields: [0],
        faults: [{ at: 10, kind: 'crash' }],
      },
      { do: 'advance', minutes: 241 },
    ];
    const { world, failure } = await play(schedule);
    expect(failure).toBeUndefined();
    // The previous key's grace period and the stray's safety delay are both over: the current key alone.
    expect(liveKeysOf(world, 'app-0/')).toHaveLength(1);
  });

  it('revokes the stray of two racing deliveries of createSecret within the orphan safety delay', async () => {
    const schedule: Schedule = [
      {
        do: 'together',
        first: { do: 'rotate-now', secret: 1, revokeNow: false },
        second: { do: 'sweep' },
        yields: [0],
        faults: [],
      },
      { do: 'schedule', secret: 1, faults: [{ at: 3, kind: 'garbled' }] },
      {
        do: 'together',
        first: { do: 'schedule', secret: 1 },
        second: { do: 'schedule', secret: 1 },
        yields: [0, 1],
        faults: [{ at: 13, kind: 'throttle' }],
      },
      { do: 'advance', minutes: 241 },
    ];
    const { world, failure } = await play(schedule);
    expect(failure).toBeUndefined();
    expect(liveKeysOf(world, 'app-1/')).toHaveLength(1);
  });
  it("the enforcer revokes a duplicate key minted under a stored version's name once the safety delay has passed", async () => {
    // The residue of a duplicate createSecret that died after the winner's own check.
    const { world } = await play([]);
    const arn = world.secrets[0] as string;
    const current = world.rawStore.versionsOf(arn).find((version) => version.stages.includes('AWSCURRENT'));
    const stray = await world.provider.connection().create({
      name: providerKeyName('app-0/fake-key', current?.versionId as string),
      expiresAt: world.clock.now(),
    });

    await world.run({ do: 'advance', minutes: 4 * 60 + 1 });

    expect(world.provider.isLive(stray.keyId)).toBe(false);
    expect(world.provider.isLive('key-1')).toBe(true);
  });
  it('bounds a stray left by racing retries whose own revoke failed by the orphan safety delay', async () => {
    // Both retries minted; the loser's revoke was throttled. Found by the 100,000-schedule soak.
    const schedule: Schedule = [
      {
        do: 'together',
        first: { do: 'leak', secret: 0, stage: 'current' },
        second: { do: 'leak', secret: 0, stage: 'current' },
        yields: [0],
        faults: [{ at: 11, kind: 'garbled' }],
      },
      {
        do: 'together',
        first: { do: 'schedule', secret: 0 },
        second: { do: 'schedule', secret: 0 },
        yields: [2, 0, 0],
        faults: [{ at: 13, kind: 'throttle' }],
      },
      { do: 'rotate-now', secret: 0, revokeNow: false, faults: [] },
      { do: 'advance', minutes: 241 },
    ];
    const { world, failure } = await play(schedule);
    expect(failure).toBeUndefined();
    expect(liveKeysOf(world, 'app-0/')).toHaveLength(1);
  });
});
