import { DEFAULT_ENFORCER_SETTINGS, type EnforcerSettings } from '../../lambdas/domain/enforcer/settings';
import { runSweep, type SweepOptions } from '../../lambdas/domain/enforcer/sweep';
import type { EnforcerDeps } from '../../lambdas/domain/enforcer/sweep-context';
import type { SecretStore } from '../../lambdas/domain/ports';
import { fingerprintOf, type ManagedKeyValue, parseKeyValue } from '../../lambdas/domain/secret-value';
import type { ProviderAdapter } from '../../lambdas/providers/provider';
import type { FakeProvider } from './fake-provider';
import { rotationHarness } from './rotation-harness';

/**
 * The enforcer wired to the rotation harness's in-memory ports: the same
 * Secrets Manager-like store, fake provider, recording bus and fake clock, so
 * tests can rotate secrets the real way and then sweep them.
 */
export function enforcerHarness(
  options: {
    settings?: Partial<EnforcerSettings>;
    adapter?: (provider: FakeProvider) => ProviderAdapter;
    /** Wraps the store the enforcer sees (to act between its calls). */
    wrapStore?: (store: SecretStore) => SecretStore;
  } = {},
) {
  const harness = rotationHarness(options.adapter ? { adapter: options.adapter } : {});
  const settings: EnforcerSettings = { ...DEFAULT_ENFORCER_SETTINGS, ...options.settings };
  const deps: EnforcerDeps = {
    ...harness.deps,
    store: options.wrapStore ? options.wrapStore(harness.store) : harness.store,
  };

  function sweep(sweepOptions: Partial<SweepOptions> = {}) {
    return runSweep(deps, settings, { remainingMs: () => 15 * 60_000, ...sweepOptions });
  }

  /** A managed secret that has had its bootstrap rotation and `extra` more: AWSCURRENT holds a key. */
  async function rotatedSecret(name = 'payments/fake-key', tags: Record<string, string> = {}, extra = 0) {
    const arn = harness.createManagedSecret(name, tags);
    await harness.rotate(arn);
    for (let i = 0; i < extra; i++) await harness.rotate(arn);
    return arn;
  }

  /** The key held by the version with this label. */
  function keyAt(arn: string, stage: string): ManagedKeyValue {
    const version = harness.store.versionsOf(arn).find((candidate) => candidate.stages.includes(stage));
    if (!version) throw new Error(`no version of ${arn} is ${stage}`);
    return parseKeyValue(arn, version.secretString);
  }

  function versionWith(arn: string, stage: string): string | undefined {
    return harness.store.versionsOf(arn).find((version) => version.stages.includes(stage))?.versionId;
  }

  /** Events this enforcer published (the rotation harness publishes to the same bus). */
  function sweepEvents(detailType?: string) {
    return harness.events.events.filter(
      (event) =>
        event.detail.trigger === 'policy' &&
        event.detail.step === undefined &&
        (detailType === undefined || event.detailType === detailType),
    );
  }

  return { ...harness, deps, settings, sweep, rotatedSecret, keyAt, versionWith, sweepEvents };
}

/** A stored key value as the rotation function writes it, for keys put in place by a test. */
export function keyValue(keyId: string, createdAt: Date, maxAgeMs = 45 * 86_400_000): ManagedKeyValue {
  return {
    apiKey: `test-material-${keyId}`,
    keyId,
    provider: 'fake',
    createdAt: createdAt.toISOString(),
    expiresAt: new Date(createdAt.getTime() + maxAgeMs).toISOString(),
    fingerprint: fingerprintOf(`test-material-${keyId}`),
  };
}
