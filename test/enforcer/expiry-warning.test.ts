import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import { enforcerHarness } from '../support/enforcer-harness';

describe('enforcer rule: Key Expiring before the key expires', () => {
  const tags = { 'rotor:max-age': 'P45D', 'rotor:expiry-warning': 'P7D' };

  it('raises nothing before the lead time', async () => {
    const h = enforcerHarness();
    await h.rotatedSecret('app/key', tags);
    h.clock.advance(38 * Durations.DAY - Durations.MINUTE);

    await h.sweep();

    expect(h.sweepEvents(DetailType.keyExpiring)).toEqual([]);
  });

  it('raises Key Expiring with the expiry on the first sweep inside the lead time', async () => {
    const h = enforcerHarness();
    const arn = await h.rotatedSecret('app/key', tags);
    const expiresAt = new Date(h.clock.now().getTime() + 45 * Durations.DAY);
    h.clock.advance(38 * Durations.DAY + 30 * Durations.MINUTE);

    await h.sweep();

    expect(h.sweepEvents(DetailType.keyExpiring)[0]?.detail).toMatchObject({
      secretId: arn,
      expiresAt: expiresAt.toISOString(),
    });
  });

  it('reminds once a day, not on every hourly sweep', async () => {
    const h = enforcerHarness();
    await h.rotatedSecret('app/key', tags);
    h.clock.advance(38 * Durations.DAY + 30 * Durations.MINUTE);
    for (let hour = 0; hour < 25; hour++) {
      await h.sweep();
      h.clock.advance(Durations.HOUR);
    }

    expect(h.sweepEvents(DetailType.keyExpiring)).toHaveLength(2);
  });
});
