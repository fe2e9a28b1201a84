import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import { cliHarness } from './cli-harness';

const KEY_ONE = 'pd-key-one-1f3a9c0e5b7d2468';
const KEY_TWO = 'pd-key-two-8e6c4a2019f7d5b3';

/** A managed secret whose provider has no key API (PagerDuty, Postmark, …). */
function manualSecret(harness: ReturnType<typeof cliHarness>) {
  return harness.store.createSecret({
    name: 'ops/pagerduty',
    secretString: JSON.stringify({ 'rotor:awaiting-first-key': true, provider: 'manual' }),
    rotationLambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:rotor-rotation',
    tags: { 'rotor:provider': 'manual', 'rotor:grace': 'PT24H', 'rotor:max-age': 'P45D' },
  });
}

describe('rotor supply / confirm-revoked (assisted rotation)', () => {
  it('stores a key read from stdin as the current key without printing it', async () => {
    const harness = cliHarness();
    manualSecret(harness);

    const result = await harness.run(['supply', 'ops/pagerduty', '--key-id', 'PD123'], {
      stdin: `${KEY_ONE}\n`,
    });

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/ops\/pagerduty: key PD123 \(sha256:[0-9a-f]{16}\) is now current/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(KEY_ONE);
    const current = JSON.parse((await harness.store.getValue('ops/pagerduty', {})).secretString as string);
    expect(current).toMatchObject({ apiKey: KEY_ONE, keyId: 'PD123', provider: 'manual' });
  });

  it('asks for the previous key to be revoked, and refuses a third key until that is confirmed', async () => {
    const harness = cliHarness();
    manualSecret(harness);
    await harness.run(['supply', 'ops/pagerduty', '--key-id', 'PD1'], { stdin: KEY_ONE });

    const second = await harness.run(['supply', 'ops/pagerduty', '--key-id', 'PD2'], { stdin: KEY_TWO });
    expect(second.stdout).toContain('Revoke the previous key PD1 at the provider');
    expect(second.stdout).toContain('rotor confirm-revoked ops/pagerduty');

    const third = await harness.run(['supply', 'ops/pagerduty'], { stdin: 'pd-key-three-0a1b2c3d4e5f' });
    expect(third.exitCode).toBe(1);
    expect(third.stderr).toContain('AssistedRevocationPendingError');

    const confirm = await harness.run(['confirm-revoked', 'ops/pagerduty', '--key-id', 'PD1']);
    expect(confirm.exitCode).toBe(0);
    expect(confirm.stdout).toBe('ops/pagerduty: recorded key PD1 as revoked\n');
    expect(harness.events.ofType(DetailType.keyRevoked).at(-1)?.detail.keyId).toBe('PD1');
  });

  it('refuses empty input with exit code 1 and changes nothing', async () => {
    const harness = cliHarness();
    manualSecret(harness);
    const before = await harness.store.getValue('ops/pagerduty', {});

    const result = await harness.run(['supply', 'ops/pagerduty'], { stdin: '' });

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('No credential on standard input');
    expect((await harness.store.getValue('ops/pagerduty', {})).versionId).toBe(before.versionId);
  });

  it('refuses a secret Rotor rotates by itself', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('payments/fake');

    const result = await harness.run(['supply', 'payments/fake'], { stdin: KEY_ONE });

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('NotAssistedError');
  });
});
