import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import { Stage } from '../../lambdas/domain/managed-secret';
import type { SecretStore } from '../../lambdas/domain/ports';
import { enforcerHarness, keyValue } from '../support/enforcer-harness';
import { ProviderUnavailableError } from '../support/fake-provider';

describe('enforcer rule: AWSPREVIOUS past its grace period', () => {
  it('leaves the previous key live while the grace period runs', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', {}, 1);
    const previous = h.keyAt(arn, Stage.previous);
    h.clock.advance(23 * Durations.HOUR);

    await h.sweep();

    expect(h.provider.isLive(previous.keyId)).toBe(true);
    expect(h.versionWith(arn, Stage.previous)).toBeDefined();
  });

  it('revokes the previous key at the provider and then removes its label once the grace period has passed', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', {}, 1);
    const previous = h.keyAt(arn, Stage.previous);
    const current = h.keyAt(arn, Stage.current);
    h.clock.advance(25 * Durations.HOUR);

    const { report } = await h.sweep();

    expect(h.provider.isLive(previous.keyId)).toBe(false);
    expect(h.provider.isLive(current.keyId)).toBe(true);
    expect(h.versionWith(arn, Stage.previous)).toBeUndefined();
    expect(report.keysRevoked).toBe(1);
    expect(h.sweepEvents(DetailType.keyRevoked)).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ secretId: arn, keyId: previous.keyId, outcome: 'revoked' }),
      }),
    ]);
  });

  it('treats a provider 404 on revoke as already gone and still removes the label', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', {}, 1);
    const previous = h.keyAt(arn, Stage.previous);
    // Revoked behind Rotor's back: the fake answers like an adapter given a 404, `already-gone`.
    const key = h.provider.keys.get(previous.keyId);
    if (key) key.revokedAt = h.clock.now();
    h.clock.advance(25 * Durations.HOUR);

    const { report } = await h.sweep();

    expect(h.versionWith(arn, Stage.previous)).toBeUndefined();
    expect(h.sweepEvents(DetailType.keyRevoked)[0]?.detail.outcome).toBe('already-gone');
    expect(report.failures).toBe(0);
  });

  it('drops the label from a previous version holding the bootstrap placeholder without calling the provider', async () => {
    const h = enforcerHarness();
    const arn = h.createManagedSecret('app/key');
    // A key put by hand over the placeholder: the placeholder drops into AWSPREVIOUS.
    const minted = await h.provider.connection().create({ name: 'manual', expiresAt: h.clock.now() });
    await h.store.putValue(arn, JSON.stringify(keyValue(minted.keyId, h.clock.now())), [Stage.current]);
    h.clock.advance(25 * Durations.HOUR);
    const revokesBefore = h.provider.count('revoke');

    await h.sweep();

    expect(h.versionWith(arn, Stage.previous)).toBeUndefined();
    expect(h.provider.count('revoke')).toBe(revokesBefore);
  });

  it('does not revoke when a rotation finishes between the sweep reading the key and revoking it', async () => {
    let rotateDuringRead: (() => Promise<void>) | undefined;
    const h = enforcerHarness({
      wrapStore: (store) =>
        new Proxy(store, {
          get: (target, property, receiver) =>
            property === 'getValue'
              ? async (...args: Parameters<SecretStore['getValue']>) => {
                  const read = await target.getValue(...args);
                  const hook = rotateDuringRead;
                  rotateDuringRead = undefined;
                  await hook?.();
                  return read;
                }
              : Reflect.get(target, property, receiver),
        }),
    });
    const arn = await h.rotatedSecret('app/key', {}, 1);
    const oldPrevious = h.keyAt(arn, Stage.previous);
    const oldCurrent = h.keyAt(arn, Stage.current);
    h.clock.advance(25 * Durations.HOUR);
    rotateDuringRead = async () => {
      await h.rotate(arn);
    };

    await h.sweep();

    // The rotation revoked the key that dropped out of AWSPREVIOUS; the sweep touched nothing.
    expect(h.provider.isLive(oldPrevious.keyId)).toBe(false);
    expect(h.provider.isLive(oldCurrent.keyId)).toBe(true);
    expect(h.keyAt(arn, Stage.previous).keyId).toBe(oldCurrent.keyId);
    expect(h.sweepEvents(DetailType.keyRevoked)).toEqual([]);
  });

  it('goes on with other secrets when the provider fails for one of them, and retries it on the next sweep', async () => {
    const h = enforcerHarness();
    const arns = [
      await h.rotatedSecret('app/one', {}, 1),
      await h.rotatedSecret('app/two', {}, 1),
      await h.rotatedSecret('app/three', {}, 1),
    ];
    h.clock.advance(25 * Durations.HOUR);
    h.provider.failNext('revoke', new ProviderUnavailableError('fake', 'revoke key', 503, 'outage'));

    const first = await h.sweep();

    expect(first.report.failures).toBe(1);
    expect(first.report.keysRevoked).toBe(2);
    expect(arns.filter((arn) => h.versionWith(arn, Stage.previous) !== undefined)).toHaveLength(1);

    const second = await h.sweep();

    expect(second.report.keysRevoked).toBe(1);
    expect(arns.filter((arn) => h.versionWith(arn, Stage.previous) !== undefined)).toHaveLength(0);
  });
});
