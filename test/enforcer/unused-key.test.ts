import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import { Stage } from '../../lambdas/domain/managed-secret';
import { intentOf } from '../../lambdas/domain/rotation-token';
import { enforcerHarness } from '../support/enforcer-harness';

describe('enforcer rule: key not read for its unused-after window', () => {
  it('raises nothing when the policy sets no unused-after window', async () => {
    const h = enforcerHarness();
    await h.rotatedSecret('app/key');
    h.clock.advance(30 * Durations.DAY);

    await h.sweep();

    expect(h.sweepEvents(DetailType.keyUnused)).toEqual([]);
  });

  it('raises nothing while the key was read within the window', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', { 'rotor:unused-after': 'P7D' });
    h.clock.advance(5 * Durations.DAY);
    h.store.markAccessed(arn, h.clock.now());
    h.clock.advance(6 * Durations.DAY);

    await h.sweep();

    expect(h.sweepEvents(DetailType.keyUnused)).toEqual([]);
  });

  it('raises Key Unused (notify, the default) once the window has passed, without rotating', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', { 'rotor:unused-after': 'P7D' });
    h.store.markAccessed(arn, h.clock.now());
    // Read on 4 December (the service keeps the day only): the window closes at the end of 11 December.
    h.clock.set('2026-12-12T00:30:00Z');
    h.store.resetCalls();

    const { report } = await h.sweep();

    expect(report.keysUnused).toBe(1);
    expect(h.store.callCount('RotateSecret')).toBe(0);
    expect(h.sweepEvents(DetailType.keyUnused)[0]?.detail).toMatchObject({
      secretId: arn,
      action: 'notify',
      lastAccessedDate: '2026-12-04T00:00:00.000Z',
    });
  });

  it('does not repeat the notification on the next hourly sweep', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', { 'rotor:unused-after': 'P7D' });
    h.store.markAccessed(arn, h.clock.now());
    h.clock.set('2026-12-13T00:30:00Z');
    await h.sweep();
    h.clock.advance(Durations.HOUR);

    await h.sweep();

    expect(h.sweepEvents(DetailType.keyUnused)).toHaveLength(1);
  });

  it('with unused-action revoke, rotates the secret so the unused key is revoked on promotion', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', {
      'rotor:unused-after': 'P7D',
      'rotor:unused-action': 'revoke',
    });
    const unused = h.keyAt(arn, Stage.current);
    h.clock.advance(9 * Durations.DAY);

    await h.sweep();
    const pending = h.versionWith(arn, Stage.pending) as string;
    await h.rotate(arn, pending);

    expect(intentOf(pending)).toEqual({ trigger: 'policy', revokeOutgoingNow: true });
    expect(h.provider.isLive(unused.keyId)).toBe(false);
    expect(h.sweepEvents(DetailType.keyUnused)[0]?.detail.action).toMatch(/^revoke: rotation started/);
  });
});
