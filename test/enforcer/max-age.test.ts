import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import { Stage } from '../../lambdas/domain/managed-secret';
import { intentOf } from '../../lambdas/domain/rotation-token';
import { enforcerHarness } from '../support/enforcer-harness';

describe('enforcer rule: key older than its max age', () => {
  it('does nothing to a key within its max age', async () => {
    const h = enforcerHarness();
    await h.rotatedSecret('app/key', { 'rotor:max-age': 'P45D' });
    h.clock.advance(44 * Durations.DAY);
    h.store.resetCalls();

    const { report } = await h.sweep();

    expect(report.keysOverdue).toBe(0);
    expect(h.store.callCount('RotateSecret')).toBe(0);
  });

  it('raises a Policy Violation with the reason and starts a rotation that revokes the old key at once', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', { 'rotor:max-age': 'P45D' });
    h.clock.advance(46 * Durations.DAY);

    const { report } = await h.sweep();

    const pending = h.versionWith(arn, Stage.pending) as string;
    expect(pending).not.toBe(h.versionWith(arn, Stage.current));
    expect(intentOf(pending)).toEqual({ trigger: 'policy', revokeOutgoingNow: true });
    expect(report).toMatchObject({ keysOverdue: 1, rotationsStarted: 1, policyViolations: 1 });
    expect(h.sweepEvents(DetailType.policyViolation)[0]?.detail).toMatchObject({
      secretId: arn,
      rule: 'max-age',
      reason: expect.stringMatching(/over its max age P45D/),
      action: 'rotation started',
    });
  });

  it('leaves the over-age key revoked once the forced rotation completes', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', { 'rotor:max-age': 'P45D' });
    const old = h.keyAt(arn, Stage.current);
    h.clock.advance(46 * Durations.DAY);

    await h.sweep();
    await h.rotate(arn, h.versionWith(arn, Stage.pending));

    expect(h.provider.isLive(old.keyId)).toBe(false);
    expect(h.versionWith(arn, Stage.previous)).toBeUndefined();
  });

  it('does not start a second rotation while one is under way', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', { 'rotor:max-age': 'P45D' });
    h.clock.advance(46 * Durations.DAY);
    const { versionId } = await h.store.rotate(arn);
    h.store.resetCalls();

    await h.sweep();

    expect(h.store.callCount('RotateSecret')).toBe(0);
    expect(h.versionWith(arn, Stage.pending)).toBe(versionId);
    expect(h.sweepEvents(DetailType.policyViolation)[0]?.detail.action).toBe('rotation already under way');
  });

  it('reports a rotation refused as already in progress as under way, not as a failure', async () => {
    const h = enforcerHarness({
      wrapStore: (store) => {
        const wrapped = Object.create(store) as typeof store;
        // The listing predates a rotation that another caller has just started.
        wrapped.rotate = async (secretId) => {
          await store.rotate(secretId);
          return store.rotate(secretId);
        };
        return wrapped;
      },
    });
    await h.rotatedSecret('app/key', { 'rotor:max-age': 'P45D' });
    h.clock.advance(46 * Durations.DAY);

    const { report } = await h.sweep();

    expect(report.failures).toBe(0);
    expect(h.sweepEvents(DetailType.policyViolation)[0]?.detail.action).toBe('rotation already under way');
  });
});
