import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import { providerKeyName, Stage } from '../../lambdas/domain/managed-secret';
import { enforcerHarness, keyValue } from '../support/enforcer-harness';

describe('enforcer rule: rotation stuck with AWSPENDING on a version other than AWSCURRENT', () => {
  it('leaves a rotation alone while it is younger than the threshold', async () => {
    const h = enforcerHarness({ settings: { stuckAfterMs: 2 * Durations.HOUR } });
    const arn = await h.rotatedSecret('app/key');
    const { versionId } = await h.store.rotate(arn);
    h.clock.advance(Durations.HOUR);

    await h.sweep();

    expect(h.versionWith(arn, Stage.pending)).toBe(versionId);
  });

  it('revokes the pending key, releases AWSPENDING and raises Rotation Failed with reason stuck', async () => {
    const h = enforcerHarness({ settings: { stuckAfterMs: 2 * Durations.HOUR } });
    const arn = await h.rotatedSecret('app/key');
    const current = h.keyAt(arn, Stage.current);
    const { versionId } = await h.store.rotate(arn);
    const minted = await h.provider.connection().create({
      name: providerKeyName('app/key', versionId),
      expiresAt: h.clock.now(),
    });
    await h.store.putPendingValue(arn, versionId, JSON.stringify(keyValue(minted.keyId, h.clock.now())));
    h.clock.advance(3 * Durations.HOUR);

    const { report } = await h.sweep();

    expect(h.provider.isLive(minted.keyId)).toBe(false);
    expect(h.provider.isLive(current.keyId)).toBe(true);
    expect(h.versionWith(arn, Stage.pending)).toBeUndefined();
    expect(report.stuckRotationsCleared).toBe(1);
    expect(h.sweepEvents(DetailType.rotationFailed)[0]?.detail).toMatchObject({
      secretId: arn,
      versionId,
      reason: 'stuck',
    });
  });

  it('lets the next RotateSecret through once the stuck rotation is cleared', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key');
    await h.store.rotate(arn);
    h.clock.advance(3 * Durations.HOUR);

    await h.sweep();

    await expect(h.rotate(arn)).resolves.toBeDefined();
  });

  it('revokes by name a key minted by a rotation that died before storing it', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key');
    const { versionId } = await h.store.rotate(arn);
    const minted = await h.provider.connection().create({
      name: providerKeyName('app/key', versionId),
      expiresAt: h.clock.now(),
    });
    h.clock.advance(3 * Durations.HOUR);

    await h.sweep();

    expect(h.provider.isLive(minted.keyId)).toBe(false);
    expect(h.versionWith(arn, Stage.pending)).toBeUndefined();
    expect(h.sweepEvents(DetailType.orphanKeyRevoked)[0]?.detail.keyId).toBe(minted.keyId);
  });

  it('never treats AWSPENDING on the AWSCURRENT version (a finished rotation) as stuck', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key');
    const current = h.versionWith(arn, Stage.current);
    h.clock.advance(10 * Durations.DAY);

    const { report } = await h.sweep();

    expect(report.stuckRotationsCleared).toBe(0);
    expect(h.store.versionsOf(arn).find((v) => v.versionId === current)?.stages).toContain(Stage.current);
  });
});
