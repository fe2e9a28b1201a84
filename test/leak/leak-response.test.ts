import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import { respondToLeak } from '../../lambdas/domain/leak-response';
import { Stage } from '../../lambdas/domain/managed-secret';
import type { SecretStore, VersionSelector } from '../../lambdas/domain/ports';
import { intentOf } from '../../lambdas/domain/rotation-token';
import { fingerprintOf } from '../../lambdas/domain/secret-value';
import { leakHarness } from './leak-harness';

const report = (key: string) => ({ key, source: 'test-scanner', reportedAt: '2026-12-04T19:00:00Z' });

describe('respondToLeak', () => {
  describe('when the leaked key is the current one', () => {
    async function leakCurrent() {
      const harness = leakHarness();
      const arn = await harness.keyedSecret('app/key');
      const leaked = harness.keyAt(arn, Stage.current);
      harness.events.clear();
      const outcomes = await respondToLeak(harness.deps, report(leaked.apiKey));
      await harness.store.settle();
      return { ...harness, arn, leaked, outcomes };
    }

    it('starts a leak rotation whose token revokes the outgoing key at once', async () => {
      const { outcomes } = await leakCurrent();
      expect(outcomes).toEqual([expect.objectContaining({ action: 'rotated', secretName: 'app/key' })]);
      expect(intentOf(outcomes[0]?.correlationId ?? '')).toEqual({
        trigger: 'leak',
        revokeOutgoingNow: true,
      });
    });

    it('ends with the leaked key revoked at the provider and a new key current', async () => {
      const { provider, leaked, keyAt, arn } = await leakCurrent();
      expect(provider.isLive(leaked.keyId)).toBe(false);
      const current = keyAt(arn, Stage.current);
      expect(current.keyId).not.toBe(leaked.keyId);
      expect(provider.isLive(current.keyId)).toBe(true);
    });

    it('leaves no AWSPREVIOUS label: the leaked key gets no grace period', async () => {
      const { labels, arn } = await leakCurrent();
      expect(labels(arn)).not.toContain(Stage.previous);
    });

    it('publishes Leak Reported with the fingerprint, and the rotation publishes its own events', async () => {
      const { events, leaked } = await leakCurrent();
      expect(events.ofType(DetailType.leakReported)).toEqual([
        expect.objectContaining({
          detail: expect.objectContaining({
            secretName: 'app/key',
            provider: 'fake',
            trigger: 'leak',
            outcome: 'rotated',
            fingerprint: fingerprintOf(leaked.apiKey),
            keyId: leaked.keyId,
            source: 'test-scanner',
          }),
        }),
      ]);
      expect(events.ofType(DetailType.keyRevoked)).toEqual([
        expect.objectContaining({
          detail: expect.objectContaining({ keyId: leaked.keyId, reason: 'leaked' }),
        }),
      ]);
      expect(events.ofType(DetailType.rotationSucceeded)[0]?.detail.trigger).toBe('leak');
    });

    it('puts the leaked key in no event', async () => {
      const { events, leaked } = await leakCurrent();
      expect(JSON.stringify(events.events)).not.toContain(leaked.apiKey);
    });

    it('reads no value but the candidate secret’s labelled versions', async () => {
      const harness = leakHarness();
      const arn = await harness.keyedSecret('app/key');
      await harness.keyedSecret('app/other');
      const leaked = harness.keyAt(arn, Stage.current);
      const reads: { secretId: string; selector: VersionSelector }[] = [];
      const store: SecretStore = Object.assign(Object.create(harness.store), {
        getValue: (secretId: string, selector: VersionSelector) => {
          reads.push({ secretId, selector });
          return harness.store.getValue(secretId, selector);
        },
      });
      harness.store.resetCalls();
      await respondToLeak({ ...harness.deps, store }, report(leaked.apiKey));
      // AWSCURRENT of the one candidate, by version id; app/other is never read, nothing is listed.
      expect(reads).toEqual([{ secretId: arn, selector: { versionId: leaked.versionId } }]);
      expect(harness.store.callCount('ListSecrets')).toBe(0);
    });
  });

  describe('when the leaked key is the previous one', () => {
    async function leakPrevious() {
      const harness = leakHarness();
      const arn = await harness.keyedSecret('app/key', 2);
      const leaked = harness.keyAt(arn, Stage.previous);
      const current = harness.keyAt(arn, Stage.current);
      harness.events.clear();
      harness.store.resetCalls();
      const outcomes = await respondToLeak(harness.deps, report(leaked.apiKey));
      await harness.store.settle();
      return { ...harness, arn, leaked, current, outcomes };
    }

    it('revokes it at the provider now and drops its AWSPREVIOUS label', async () => {
      const { provider, leaked, labels, arn, outcomes } = await leakPrevious();
      expect(outcomes).toEqual([
        expect.objectContaining({ action: 'revoked-previous', keyId: leaked.keyId }),
      ]);
      expect(provider.isLive(leaked.keyId)).toBe(false);
      expect(labels(arn)).not.toContain(Stage.previous);
    });

    it('does not rotate: the current key was not leaked', async () => {
      const { store, provider, current, keyAt, arn } = await leakPrevious();
      expect(store.callCount('RotateSecret')).toBe(0);
      expect(keyAt(arn, Stage.current).keyId).toBe(current.keyId);
      expect(provider.isLive(current.keyId)).toBe(true);
    });

    it('publishes Key Revoked (reason leaked) and Leak Reported', async () => {
      const { events, leaked } = await leakPrevious();
      expect(
        events.events.map((event) => [event.detailType, event.detail.keyId, event.detail.trigger]),
      ).toEqual([
        [DetailType.keyRevoked, leaked.keyId, 'leak'],
        [DetailType.leakReported, leaked.keyId, 'leak'],
      ]);
    });
  });

  describe('when the leaked key matches no managed secret', () => {
    it('records it as unknown and changes nothing', async () => {
      const harness = leakHarness();
      await harness.keyedSecret('app/key');
      harness.events.clear();
      harness.store.resetCalls();
      const outcomes = await respondToLeak(harness.deps, report('sk-not-ours-123'));
      expect(outcomes).toEqual([{ action: 'unknown', fingerprint: fingerprintOf('sk-not-ours-123') }]);
      expect(
        harness.store.callCount('RotateSecret') + harness.store.callCount('UpdateSecretVersionStage'),
      ).toBe(0);
      expect(harness.events.ofType(DetailType.leakReported)[0]?.detail).toMatchObject({
        outcome: 'unknown',
        secretId: 'unknown',
        fingerprint: fingerprintOf('sk-not-ours-123'),
      });
    });

    it('treats a key whose fingerprint matches but whose value differs as unknown', async () => {
      const harness = leakHarness();
      const arn = await harness.keyedSecret('app/key');
      const fingerprints = { find: async () => [arn] };
      const outcomes = await respondToLeak({ ...harness.deps, fingerprints }, report('collides-but-differs'));
      expect(outcomes[0]?.action).toBe('unknown');
    });

    it('treats a key already revoked and unlabelled as unknown: nothing live to act on', async () => {
      const harness = leakHarness();
      const arn = await harness.keyedSecret('app/key', 3);
      // The first key has dropped out of every label by now.
      const first = harness.events.ofType(DetailType.keyCreated)[0]?.detail.fingerprint;
      const firstKey = [...harness.provider.keys.values()][0]?.secret ?? '';
      expect(fingerprintOf(firstKey)).toBe(first);
      const outcomes = await respondToLeak(harness.deps, report(firstKey));
      expect(outcomes[0]?.action).toBe('unknown');
      expect(harness.labels(arn)).toContain(Stage.previous);
    });
  });

  it('reports rotation-blocked when another rotation of the secret is under way', async () => {
    const harness = leakHarness();
    const arn = await harness.keyedSecret('app/key');
    const leaked = harness.keyAt(arn, Stage.current);
    await harness.store.putValue(arn, '{}', [Stage.pending]);
    const outcomes = await respondToLeak(harness.deps, report(leaked.apiKey));
    expect(outcomes[0]?.action).toBe('rotation-blocked');
    expect(harness.events.ofType(DetailType.leakReported).at(-1)?.detail.outcome).toBe('rotation-blocked');
  });

  it('reports failed, with the error, when the previous key cannot be revoked', async () => {
    const harness = leakHarness();
    const arn = await harness.keyedSecret('app/key', 2);
    const leaked = harness.keyAt(arn, Stage.previous);
    harness.provider.failNext('revoke');
    const outcomes = await respondToLeak(harness.deps, report(leaked.apiKey));
    expect(outcomes[0]).toMatchObject({ action: 'failed', error: { name: 'ProviderUnavailableError' } });
    expect(harness.labels(arn)).toContain(Stage.previous);
  });
});
