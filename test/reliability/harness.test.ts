import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { providerKeyName, Stage } from '../../lambdas/domain/managed-secret';
import { parseKeyValue } from '../../lambdas/domain/secret-value';
import { Invariants } from './invariants';
import { assertSchedulesHold, play } from './replay';
import { printSchedule, type Schedule, scheduleArb } from './schedule';
import { LambdaCrash, World } from './world';

const HOUR = 3600_000;

/** The harness itself: a property whose checks cannot fail proves nothing. */
describe('the reliability harness', () => {
  async function bootstrapped() {
    const world = await World.create(2);
    const invariants = new Invariants(world);
    const arn = world.secrets[0] as string;
    const current = world.rawStore.versionsOf(arn).find((version) => version.stages.includes(Stage.current));
    const key = parseKeyValue(arn, current?.secretString);
    return { world, invariants, arn, key };
  }

  it('holds every invariant on a freshly bootstrapped model', async () => {
    const { invariants } = await bootstrapped();
    expect(invariants.check()).toEqual([]);
  });

  it('reports an AWSCURRENT key that is not live at the provider (1)', async () => {
    const { world, invariants, key } = await bootstrapped();
    await world.provider.connection().revoke(key.keyId);
    expect(invariants.check()).toEqual([
      expect.stringMatching(/^1: app-0\/fake-key: AWSCURRENT holds key-1/),
    ]);
  });

  it('reports a third stored key live outside a rotation (2)', async () => {
    const { world, invariants } = await bootstrapped();
    invariants.check();
    await world.run({ do: 'schedule', secret: 0, faults: [] });
    await world.run({ do: 'schedule', secret: 0, faults: [] });
    expect(invariants.check()).toEqual([]);
    // As if the second rotation had pushed key-1 out of AWSPREVIOUS without revoking it.
    const key1 = world.provider.keys.get('key-1');
    if (key1) key1.revokedAt = undefined;
    expect(invariants.check()).toEqual([expect.stringMatching(/^2: app-0\/fake-key: 3 keys live \(key-1, /)]);
  });

  it('reports a stray key past its safety delay (4), and does not count it among the slots (2)', async () => {
    const { world, invariants } = await bootstrapped();
    const connection = world.provider.connection();
    await connection.create({
      name: providerKeyName('app-0/fake-key', 'lost-rotation-1'),
      expiresAt: new Date(),
    });
    await connection.create({
      name: providerKeyName('app-0/fake-key', 'lost-rotation-2'),
      expiresAt: new Date(),
    });
    expect(invariants.check()).toEqual([]);
    world.clock.advance(5 * HOUR);
    expect(invariants.check()).toEqual([
      expect.stringMatching(/^4: app-0\/fake-key: orphan key-2/),
      expect.stringMatching(/^4: app-0\/fake-key: orphan key-3/),
    ]);
  });

  it('reports a superseded key live past its grace period plus a sweep (3)', async () => {
    const { world, invariants, key } = await bootstrapped();
    expect(invariants.check()).toEqual([]);
    await world.run({ do: 'schedule', secret: 0, faults: [] });
    expect(invariants.check()).toEqual([]);
    world.clock.advance(4 * HOUR);
    // No sweep ran: the enforcer never revoked key-1.
    expect(invariants.check()).toContainEqual(
      expect.stringMatching(
        new RegExp(`^3: app-0/fake-key: ${key.keyId} is live 240 min after it was superseded`),
      ),
    );
  });

  it('reports key material in a log line, an event or an error (5)', async () => {
    const { world, invariants, key } = await bootstrapped();
    world.logLines.push(JSON.stringify(['oops', { apiKey: key.apiKey }]));
    world.errors.push({ invocation: 'test', error: new Error('wrapped', { cause: new Error(key.apiKey) }) });
    expect(invariants.check()).toEqual([
      expect.stringMatching(/^5: key material in log line/),
      '5: key material in an error of test',
    ]);
  });

  it('makes a crashed invocation fail every later call, so catch handlers cannot clean up', async () => {
    const { world } = await bootstrapped();
    // createSecret dies at PutSecretValue: its catch handler's revoke must not get through.
    await world.run({ do: 'schedule', secret: 0, faults: [{ at: 0, on: 'PutSecretValue', kind: 'crash' }] });
    const crashes = world.errors.filter((recorded) => recorded.error instanceof LambdaCrash);
    expect(crashes.map((recorded) => recorded.invocation)).toEqual(['rotation createSecret']);
    expect(world.provider.liveKeys().map((key) => key.keyId)).toEqual(['key-1', 'key-2']);
    expect(world.pendingToken(world.secrets[0] as string)).toBeDefined();
  });

  it('runs the scheduled sweep at every sweep interval a clock jump crosses', async () => {
    const { world } = await bootstrapped();
    const before = world.rawStore.callCount('ListSecrets');
    await world.run({ do: 'advance', minutes: 150 });
    expect(world.rawStore.callCount('ListSecrets') - before).toBe(2);
  });

  it('prints a schedule as TypeScript that reads back as the same schedule', () => {
    const [schedule] = fc.sample(scheduleArb({ secrets: 2, leaks: true, maxEvents: 6 }), {
      seed: 1,
      numRuns: 1,
    });
    const printed = printSchedule(schedule as Schedule);
    const body = printed.slice(printed.indexOf('['), printed.lastIndexOf(']') + 1).replace(/,\n\]$/, '\n]');
    expect(printed).toMatch(/^const schedule: Schedule = \[/);
    expect(JSON.parse(body)).toEqual(schedule);
  });

  it('fails a property on a broken product and prints the minimal schedule to keep', async () => {
    // A provider that answers every revoke and revokes nothing.
    const broken = async (secrets: number) => {
      const world = await World.create(secrets);
      (world.provider as unknown as { revoke: () => Promise<string> }).revoke = async () => 'revoked';
      return world;
    };
    const failure = assertSchedulesHold(
      'broken',
      scheduleArb({ secrets: 2, leaks: false, maxEvents: 8 }),
      1,
      {
        world: broken,
        runs: 200,
      },
    );
    await expect(failure).rejects.toThrow(
      /Minimal schedule, to keep in test\/reliability\/regressions\.test\.ts:\nconst schedule: Schedule = \[/,
    );
  });

  it('replays a kept schedule and hands back the world for further assertions', async () => {
    const { world, failure } = await play([{ do: 'rotate-now', secret: 1, revokeNow: false, faults: [] }]);
    expect(failure).toBeUndefined();
    expect(world.provider.liveKeys()).toHaveLength(2);
  });
});
