import { describe, expect, it } from 'vitest';
import { Durations } from '../../lambdas/domain/duration';
import { Stage } from '../../lambdas/domain/managed-secret';
import { placeholderValue } from '../../lambdas/domain/secret-value';
import { enforcerHarness, keyValue } from '../support/enforcer-harness';
import { ROTATION_FUNCTION_ARN } from '../support/rotation-harness';

/** Creates secrets straight in the store with a key in AWSCURRENT, as many rotations would leave them. */
async function seed(
  h: ReturnType<typeof enforcerHarness>,
  count: number,
  withPrevious: (i: number) => boolean,
) {
  const arns: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `fleet/key-${i}`;
    const arn = h.store.createSecret({
      name,
      secretString: JSON.stringify(keyValue(`k-${i}`, h.clock.now())),
      rotationLambdaArn: ROTATION_FUNCTION_ARN,
      tags: { 'rotor:provider': 'fake', 'rotor:admin-secret': 'rotor/admin/fake', 'rotor:max-age': 'P45D' },
    });
    if (withPrevious(i)) {
      // Put by hand, so AWSPREVIOUS holds the first key and AWSCURRENT a second.
      await h.store.putValue(arn, JSON.stringify(keyValue(`k-${i}-b`, h.clock.now())));
    }
    arns.push(arn);
  }
  return arns;
}

describe('the sweep', () => {
  it('sweeps 10,000 secrets with ceil(N/100) ListSecrets and calls only for the 5% that need an action', async () => {
    const h = enforcerHarness({ settings: { orphanScan: false } });
    const arns = await seed(h, 10_000, (i) => i % 20 === 0);
    h.clock.advance(2 * Durations.DAY);
    h.store.resetCalls();

    const { report } = await h.sweep();

    expect(report.secretsSwept).toBe(10_000);
    expect(report.keysRevoked).toBe(500);
    expect(h.store.callCount('ListSecrets')).toBe(100);
    // Per action: read the key, describe again, remove the label; plus one admin credential read.
    expect(h.store.callCount('GetSecretValue')).toBe(500 + 1);
    expect(h.store.callCount('DescribeSecret')).toBe(500);
    expect(h.store.callCount('UpdateSecretVersionStage')).toBe(500);
    expect(arns.filter((arn) => h.versionWith(arn, Stage.previous) !== undefined)).toEqual([]);
  });

  it('paces its Secrets Manager writes under the configured rate', async () => {
    const h = enforcerHarness({ settings: { orphanScan: false, writesPerSecond: 10 } });
    await seed(h, 50, () => true);
    h.clock.advance(2 * Durations.DAY);
    const start = h.clock.now().getTime();

    await h.sweep();

    // 50 writes at 10 a second take at least 4.9 s of (fake) time.
    expect(h.clock.now().getTime() - start).toBeGreaterThanOrEqual(4_900);
  });

  it('hands the rest of the sweep on when the invocation nears its timeout, and the continuation finishes it', async () => {
    const h = enforcerHarness({ settings: { orphanScan: false, continuationReserveMs: 60_000 } });
    await seed(h, 250, () => false);
    // Time enough when the first page arrives, too little when the second does.
    const remaining = [120_000, 30_000];

    const first = await h.sweep({ remainingMs: () => remaining.shift() ?? 30_000 });

    expect(first.continuation).toMatchObject({ sweepId: first.sweepId, nextToken: '200', hop: 1 });
    expect(first.sweepMs).toBeUndefined();
    expect(first.report.secretsSwept).toBe(200);

    const second = await h.sweep({ position: first.continuation, remainingMs: () => 900_000 });

    expect(second.continuation).toBeUndefined();
    expect(second.sweepId).toBe(first.sweepId);
    expect(second.report.secretsSwept).toBe(50);
    expect(second.sweepMs).toBeDefined();
  });

  it('counts a secret whose rule throws unexpectedly as a failure and sweeps the rest', async () => {
    const h = enforcerHarness({ settings: { orphanScan: false } });
    const arns = await seed(h, 3, () => true);
    await h.store.putValue(arns[1] as string, placeholderValue('fake').slice(0, 5), [Stage.previous]);
    h.clock.advance(2 * Durations.DAY);

    const { report } = await h.sweep();

    expect(report.failures).toBe(1);
    expect(report.keysRevoked).toBe(2);
  });
});
