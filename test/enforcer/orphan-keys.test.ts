import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import { providerKeyName, Stage } from '../../lambdas/domain/managed-secret';
import { enforcerHarness } from '../support/enforcer-harness';

const ABANDONED_TOKEN = '0b6c1e9e-5d0f-4a43-9a0e-5f0b9c2d7e11';

describe('enforcer rule: orphaned provider keys', () => {
  it('revokes a Rotor key that no label references once it is older than the safety delay', async () => {
    const h = enforcerHarness({ settings: { orphanDelayMs: 24 * Durations.HOUR } });
    const arn = await h.rotatedSecret('app/key');
    const orphan = await h.provider
      .connection()
      .create({ name: providerKeyName('app/key', ABANDONED_TOKEN), expiresAt: h.clock.now() });
    h.clock.advance(25 * Durations.HOUR);

    const { report } = await h.sweep();

    expect(h.provider.isLive(orphan.keyId)).toBe(false);
    expect(h.provider.isLive(h.keyAt(arn, Stage.current).keyId)).toBe(true);
    expect(report.orphansRevoked).toBe(1);
    expect(h.sweepEvents(DetailType.orphanKeyRevoked)[0]?.detail).toMatchObject({
      secretId: arn,
      keyId: orphan.keyId,
      outcome: 'revoked',
    });
  });

  it('leaves an unreferenced key younger than the safety delay alone', async () => {
    const h = enforcerHarness({ settings: { orphanDelayMs: 24 * Durations.HOUR } });
    await h.rotatedSecret('app/key');
    h.clock.advance(25 * Durations.HOUR);
    const young = await h.provider
      .connection()
      .create({ name: providerKeyName('app/key', ABANDONED_TOKEN), expiresAt: h.clock.now() });
    h.clock.advance(Durations.HOUR);

    await h.sweep();

    expect(h.provider.isLive(young.keyId)).toBe(true);
  });

  it('never revokes the keys of AWSCURRENT and AWSPREVIOUS', async () => {
    const h = enforcerHarness({ settings: { orphanDelayMs: Durations.HOUR } });
    const arn = await h.rotatedSecret('app/key', { 'rotor:grace': 'P7D' }, 1);
    h.clock.advance(2 * Durations.DAY);

    await h.sweep();

    expect(h.provider.isLive(h.keyAt(arn, Stage.current).keyId)).toBe(true);
    expect(h.provider.isLive(h.keyAt(arn, Stage.previous).keyId)).toBe(true);
  });

  it('does not attribute a key to a secret whose name merely starts the same way', async () => {
    const h = enforcerHarness({ settings: { orphanDelayMs: Durations.HOUR } });
    await h.rotatedSecret('app');
    const other = await h.provider
      .connection()
      .create({ name: providerKeyName('app-legacy', ABANDONED_TOKEN), expiresAt: h.clock.now() });
    h.clock.advance(2 * Durations.DAY);

    await h.sweep();

    expect(h.provider.isLive(other.keyId)).toBe(true);
  });

  it('judges an undated key by the secret having been unchanged for the safety delay', async () => {
    const h = enforcerHarness({
      settings: { orphanDelayMs: 24 * Durations.HOUR },
      adapter: (provider) => {
        const adapter = provider.adapter();
        return {
          ...adapter,
          connect: (options) => {
            const connection = adapter.connect(options);
            // Like SendGrid: the listing carries no creation date.
            return {
              ...connection,
              listOwnKeys: async (prefix) =>
                (await connection.listOwnKeys(prefix)).map(({ keyId, name }) => ({ keyId, name })),
            };
          },
        };
      },
    });
    const arn = await h.rotatedSecret('app/key');
    const orphan = await h.provider
      .connection()
      .create({ name: providerKeyName('app/key', ABANDONED_TOKEN), expiresAt: h.clock.now() });
    h.clock.advance(12 * Durations.HOUR);
    // Any change to the secret restarts the clock (here a copy of the key under a label of its own).
    await h.store.putValue(arn, JSON.stringify(h.keyAt(arn, Stage.current)), ['BACKUP']);
    h.clock.advance(13 * Durations.HOUR);

    await h.sweep();
    expect(h.provider.isLive(orphan.keyId)).toBe(true);

    h.clock.advance(12 * Durations.HOUR);
    await h.sweep();
    expect(h.provider.isLive(orphan.keyId)).toBe(false);
  });

  it('lists each provider account once per sweep, however many secrets it serves', async () => {
    const h = enforcerHarness();
    for (const name of ['app/one', 'app/two', 'app/three']) await h.rotatedSecret(name);
    const before = h.provider.count('list');

    await h.sweep();

    expect(h.provider.count('list') - before).toBe(1);
  });
});
