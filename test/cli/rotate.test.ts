import { describe, expect, it } from 'vitest';
import { followRotation } from '../../lambdas/cli/rotate';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import { Stage } from '../../lambdas/domain/managed-secret';
import { intentOf } from '../../lambdas/domain/rotation-token';
import { StoreThrottledError } from '../../lambdas/domain/store-errors';
import { ProviderPermissionError } from '../../lambdas/providers/errors';
import { cliHarness } from './cli-harness';

function currentKeyId(harness: ReturnType<typeof cliHarness>, name: string): string {
  const current = harness.store.versionsOf(name).find((version) => version.stages.includes(Stage.current));
  return JSON.parse(current?.secretString ?? '{}').keyId;
}

describe('rotor rotate', () => {
  it('rotates a secret, follows it until the new version is AWSCURRENT and exits 0', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/key');
    const before = currentKeyId(harness, 'app/key');
    const { exitCode, stdout } = await harness.run(['rotate', 'app/key', '--output', 'json']);
    expect(exitCode).toBe(0);
    const { results, summary } = JSON.parse(stdout);
    expect(results).toEqual([
      { secret: 'app/key', outcome: 'succeeded', versionId: expect.stringMatching(/^manual-/), throttled: 0 },
    ]);
    expect(summary).toEqual({ total: 1, succeeded: 1, failed: 0, throttled: 0 });
    expect(currentKeyId(harness, 'app/key')).not.toBe(before);
  });

  it('starts the rotation with a manual token, so the events say trigger "manual"', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/key');
    const { stdout } = await harness.run(['rotate', 'app/key', '--output', 'json']);
    const token = JSON.parse(stdout).results[0].versionId;
    expect(intentOf(token)).toEqual({ trigger: 'manual', revokeOutgoingNow: false });
    const succeeded = harness.events.ofType(DetailType.rotationSucceeded).at(-1);
    expect(succeeded?.detail).toMatchObject({ trigger: 'manual', correlationId: token });
  });

  it('keeps the outgoing key live for the grace period by default', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/key');
    const outgoing = currentKeyId(harness, 'app/key');
    await harness.run(['rotate', 'app/key']);
    expect(harness.provider.isLive(outgoing)).toBe(true);
  });

  it('revokes the outgoing key at once with --revoke-previous-now', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/key');
    const outgoing = currentKeyId(harness, 'app/key');
    const { exitCode } = await harness.run(['rotate', 'app/key', '--revoke-previous-now']);
    expect(exitCode).toBe(0);
    expect(harness.provider.isLive(outgoing)).toBe(false);
    const labels = harness.store.versionsOf('app/key').flatMap((version) => version.stages);
    expect(labels).not.toContain(Stage.previous);
  });

  it('prints a table of outcomes and a summary line', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/a');
    await harness.createKeyedSecret('app/b');
    const { stdout } = await harness.run(['rotate', 'app/a', 'app/b']);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SECRET\s+OUTCOME\s+VERSION\s+ERROR$/);
    expect(lines[1]).toMatch(/^app\/a\s+succeeded\s+manual-/);
    expect(lines[2]).toMatch(/^app\/b\s+succeeded\s+manual-/);
    expect(lines.at(-1)).toBe('2 succeeded, 0 failed, 0 throttled calls retried');
  });

  it('exits 1 and names the secret when a rotation is already under way', async () => {
    const harness = cliHarness();
    const arn = harness.createManagedSecret('app/stuck');
    harness.store.setRotationEnabled(arn, true);
    // A pending version that no rotation function will complete.
    await harness.store.putValue(arn, '{}', [Stage.pending]);
    const { exitCode, stderr } = await harness.run(['rotate', 'app/stuck', '--no-wait']);
    expect(exitCode).toBe(1);
    expect(stderr).toContain('rotor: app/stuck: in-progress: a rotation is already under way');
  });

  it('reports a failed rotation with the cause from its Rotation Failed event and exits 1', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/key');
    harness.provider.failNext(
      'create',
      new ProviderPermissionError('fake', 'create key', 403, 'key limit reached'),
    );
    const { exitCode, stderr, stdout } = await harness.run(['rotate', 'app/key', '--output', 'json']);
    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout).results[0]).toMatchObject({
      outcome: 'failed',
      error: 'ProviderPermissionError: fake create key failed with HTTP 403: key limit reached',
    });
    expect(stderr).toContain('rotor: app/key: failed: ProviderPermissionError');
  });

  it('reports a rotation whose new key never verifies as failed, with the verification error', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/key');
    harness.provider.verifyFailures = 1_000;
    const { exitCode, stdout } = await harness.run(['rotate', 'app/key', '--output', 'json']);
    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout).results[0]).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/^KeyVerificationError: /),
    });
  });

  it('gives up following after the timeout while AWSPENDING is still on the new version', async () => {
    const harness = cliHarness();
    const token = 'manual-00000000-0000-4000-8000-000000000001';
    // A store whose rotation never progresses: the version keeps AWSPENDING and never becomes current.
    const describe = async () => ({
      ...(await harness.store.describe('rotor/admin/fake')),
      versionIdsToStages: { [token]: [Stage.pending] },
    });
    const stuck = { ...harness.services, store: Object.assign(Object.create(harness.store), { describe }) };
    const started = harness.clock.now().getTime();
    const outcome = await followRotation(stuck, 'app/key', token, {
      timeoutMs: 60_000,
      pollIntervalMs: 5_000,
    });
    expect(outcome).toBe('timed-out');
    expect(harness.clock.now().getTime() - started).toBeLessThanOrEqual(60_000);
  });

  it('returns as soon as RotateSecret accepts the rotation with --no-wait', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/key');
    harness.store.resetCalls();
    const { exitCode, stdout } = await harness.run(['rotate', 'app/key', '--no-wait', '--output', 'json']);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).results[0].outcome).toBe('started');
    expect(harness.store.callCount('RotateSecret')).toBe(1);
  });

  it('retries a throttled RotateSecret and counts it', async () => {
    let throttles = 2;
    const harness = cliHarness({
      fault: (operation) =>
        operation === 'RotateSecret' && throttles-- > 0
          ? new StoreThrottledError('ThrottlingException')
          : undefined,
    });
    await harness.createManagedSecret('app/key');
    harness.store.setRotationEnabled('app/key', true);
    throttles = 2;
    const { exitCode, stdout } = await harness.run(['rotate', 'app/key', '--output', 'json']);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).summary.throttled).toBe(2);
  });
});

describe('rotor rotate --provider X --all', () => {
  async function provider(count: number) {
    const harness = cliHarness();
    for (let index = 0; index < count; index++) await harness.createKeyedSecret(`fleet/key-${index}`);
    harness.createManagedSecret('other/key', { 'rotor:provider': 'other-provider' });
    harness.clock.advance(Durations.HOUR);
    return { harness };
  }

  it('rotates every key of the provider and only those', async () => {
    const { harness } = await provider(4);
    const { exitCode, stdout } = await harness.run([
      'rotate',
      '--provider',
      'fake',
      '--all',
      '--output',
      'json',
    ]);
    expect(exitCode).toBe(0);
    const { results, summary } = JSON.parse(stdout);
    expect(results.map((result: { secret: string }) => result.secret)).toEqual([
      'fleet/key-0',
      'fleet/key-1',
      'fleet/key-2',
      'fleet/key-3',
    ]);
    expect(summary).toMatchObject({ total: 4, succeeded: 4, failed: 0 });
  });

  it('carries on past failures in the middle, reports each, and exits 1', async () => {
    const { harness } = await provider(5);
    // The third key has a rotation under way that Secrets Manager will not let a second one join.
    await harness.store.putValue('fleet/key-2', '{}', [Stage.pending]);
    const { exitCode, stdout, stderr } = await harness.run([
      'rotate',
      '--provider',
      'fake',
      '--all',
      '--output',
      'json',
    ]);
    expect(exitCode).toBe(1);
    const { results, summary } = JSON.parse(stdout);
    expect(summary).toMatchObject({ total: 5, succeeded: 4, failed: 1 });
    expect(results[2]).toMatchObject({ secret: 'fleet/key-2', outcome: 'in-progress' });
    expect(results.filter((result: { outcome: string }) => result.outcome === 'succeeded')).toHaveLength(4);
    expect(stderr).toContain('rotor: fleet/key-2: in-progress');
  });

  it('draws a progress bar on a terminal only', async () => {
    const { harness } = await provider(3);
    const onTerminal = await harness.run(['rotate', '--provider', 'fake', '--all'], { tty: true });
    expect(onTerminal.stderr).toContain('\r[##############################] 3/3');
    const piped = await harness.run(['rotate', '--provider', 'fake', '--all']);
    expect(piped.stderr).toBe('');
  });

  it('keeps RotateSecret at or under --rate calls per second', async () => {
    const { harness } = await provider(12);
    const starts: number[] = [];
    const rotate = harness.store.rotate.bind(harness.store);
    harness.store.rotate = async (secretId, token) => {
      starts.push(harness.clock.now().getTime());
      return rotate(secretId, token);
    };
    await harness.run(['rotate', '--provider', 'fake', '--all', '--rate', '5', '--no-wait']);
    expect(starts).toHaveLength(12);
    for (let index = 5; index < starts.length; index++) {
      expect((starts[index] as number) - (starts[index - 5] as number)).toBeGreaterThanOrEqual(1000);
    }
  });

  it('refuses --all without --provider (exit 2)', async () => {
    const { harness } = await provider(1);
    const { exitCode, stderr } = await harness.run(['rotate', '--all']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('--all needs --provider <id>');
  });

  it('refuses a --rate above the RotateSecret quota (exit 2)', async () => {
    const { harness } = await provider(1);
    const { exitCode, stderr } = await harness.run(['rotate', '--provider', 'fake', '--all', '--rate', '60']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("RotateSecret's quota is 50 per second");
  });
});
