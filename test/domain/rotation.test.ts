import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import {
  AdminCredentialError,
  KeyVerificationError,
  ManagedSecretConfigError,
  RotationDisabledError,
  TokenNotPendingError,
  UnknownRotationTokenError,
} from '../../lambdas/domain/errors';
import { runRotationStep } from '../../lambdas/domain/rotation';
import { rotationToken } from '../../lambdas/domain/rotation-token';
import { fingerprintOf } from '../../lambdas/domain/secret-value';
import { ProviderUnavailableError } from '../../lambdas/providers/errors';
import { rotationHarness } from '../support/rotation-harness';

const UUID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const DAY = 24 * 3600 * 1000;

/** A secret whose bootstrap rotation has run, so the next rotation is an ordinary one. */
async function bootstrapped() {
  const harness = rotationHarness();
  const secretId = harness.createManagedSecret();
  await harness.rotate(secretId);
  harness.clock.advance(30 * DAY);
  harness.events.clear();
  harness.provider.calls.length = 0;
  return { ...harness, secretId };
}

/** Version id → labels, for labelled versions only (as VersionIdsToStages reports them). */
const labelsOf = (harness: Pick<ReturnType<typeof rotationHarness>, 'store'>, secretId: string) =>
  Object.fromEntries(
    harness.store
      .versionsOf(secretId)
      .filter((version) => version.stages.length > 0)
      .map((version) => [version.versionId, version.stages]),
  );

describe('createSecret', () => {
  it('mints a key and stores it as AWSPENDING in the documented JSON shape', async () => {
    const { store, provider, deps, createManagedSecret, clock } = rotationHarness();
    const secretId = createManagedSecret();
    const { versionId } = await store.rotate(secretId);

    await runRotationStep(deps, { step: 'createSecret', secretId, token: versionId });

    const pending = await store.getValue(secretId, { versionId, stage: 'AWSPENDING' });
    const value = JSON.parse(pending.secretString as string);
    const [key] = provider.liveKeys();
    expect(value).toEqual({
      apiKey: key?.secret,
      keyId: key?.keyId,
      provider: 'fake',
      createdAt: clock.now().toISOString(),
      expiresAt: new Date(clock.now().getTime() + 45 * DAY).toISOString(),
      fingerprint: fingerprintOf(key?.secret as string),
    });
    expect(key?.name).toMatch(/^rotor-payments-fake-key-[0-9a-f]{12}$/);
  });

  it('publishes Rotation Started and Key Created in one request, marked bootstrap for a new secret', async () => {
    const { store, events, deps, createManagedSecret } = rotationHarness();
    const secretId = createManagedSecret();
    const { versionId } = await store.rotate(secretId);

    await runRotationStep(deps, { step: 'createSecret', secretId, token: versionId });

    expect(events.requests).toBe(1);
    expect(events.events.map((event) => event.detailType)).toEqual([
      DetailType.rotationStarted,
      DetailType.keyCreated,
    ]);
    expect(events.events.every((event) => event.detail.trigger === 'bootstrap')).toBe(true);
    expect(events.events[1]?.detail).toMatchObject({
      correlationId: versionId,
      versionId,
      secretName: 'payments/fake-key',
    });
  });

  it('does nothing when retried after it stored the key', async () => {
    const { store, provider, deps, createManagedSecret } = rotationHarness();
    const secretId = createManagedSecret();
    const { versionId } = await store.rotate(secretId);
    await runRotationStep(deps, { step: 'createSecret', secretId, token: versionId });

    const outcome = await runRotationStep(deps, { step: 'createSecret', secretId, token: versionId });

    expect(outcome.result).toBe('no-op');
    expect(provider.count('create')).toBe(1);
  });

  it('after a crash between the provider call and PutSecretValue, the retry revokes the lost key: one new key stays live', async () => {
    const { store, provider, deps, createManagedSecret } = rotationHarness();
    const secretId = createManagedSecret();
    const { versionId } = await store.rotate(secretId);
    // The provider makes the key, then the function dies before storing it.
    provider.failNext('create', new Error('Runtime exited: signal: killed'), true);
    await expect(runRotationStep(deps, { step: 'createSecret', secretId, token: versionId })).rejects.toThrow(
      'killed',
    );
    expect(provider.liveKeys()).toHaveLength(1);

    await runRotationStep(deps, { step: 'createSecret', secretId, token: versionId });

    const stored = JSON.parse((await store.getValue(secretId, { versionId })).secretString as string);
    expect(provider.liveKeys().map((key) => key.keyId)).toEqual([stored.keyId]);
    expect(provider.count('list')).toBe(1);
  });

  it('revokes at once a key whose creation failed ambiguously (the provider made it, then answered 503)', async () => {
    const { store, provider, deps, createManagedSecret } = rotationHarness();
    const secretId = createManagedSecret();
    const { versionId } = await store.rotate(secretId);
    provider.failNext(
      'create',
      new ProviderUnavailableError('fake', 'create key', 503, 'provider error'),
      true,
    );

    await expect(runRotationStep(deps, { step: 'createSecret', secretId, token: versionId })).rejects.toThrow(
      ProviderUnavailableError,
    );

    expect(provider.liveKeys()).toHaveLength(0);
    expect(labelsOf({ store }, secretId)[versionId]).toEqual(['AWSPENDING']);
  });

  it('revokes the minted key when PutSecretValue fails, so nothing unstored stays live', async () => {
    const harness = rotationHarness();
    const secretId = harness.createManagedSecret();
    const { versionId } = await harness.store.rotate(secretId);
    const failingStore = Object.create(harness.store) as typeof harness.store;
    failingStore.putPendingValue = async () => {
      throw new Error('ThrottlingException');
    };

    await expect(
      runRotationStep(
        { ...harness.deps, store: failingStore },
        { step: 'createSecret', secretId, token: versionId },
      ),
    ).rejects.toThrow('ThrottlingException');

    expect(harness.provider.liveKeys()).toHaveLength(0);
  });

  it('fails for good on a missing admin credential: nothing minted, AWSPENDING released, Rotation Failed published', async () => {
    const { store, provider, events, deps, createManagedSecret } = rotationHarness();
    const secretId = createManagedSecret('payments/no-admin', {
      'rotor:admin-secret': 'rotor/admin/missing',
    });
    const { versionId } = await store.rotate(secretId);

    await expect(runRotationStep(deps, { step: 'createSecret', secretId, token: versionId })).rejects.toThrow(
      AdminCredentialError,
    );

    expect(provider.count('create')).toBe(0);
    expect(Object.values(labelsOf({ store }, secretId)).flat()).not.toContain('AWSPENDING');
    const [failed] = events.ofType(DetailType.rotationFailed);
    expect(failed?.detail.error).toEqual({
      name: 'AdminCredentialError',
      message: 'Admin credential rotor/admin/missing for payments/no-admin does not exist',
    });
    // The next rotation is not refused.
    await expect(store.rotate(secretId)).resolves.toBeDefined();
  });

  it('names the tag when the configuration is malformed', async () => {
    const { store, deps, createManagedSecret } = rotationHarness();
    const secretId = createManagedSecret('payments/bad-tags', { 'rotor:grace': 'one day' });
    const { versionId } = await store.rotate(secretId);

    await expect(runRotationStep(deps, { step: 'createSecret', secretId, token: versionId })).rejects.toThrow(
      new ManagedSecretConfigError(
        'payments/bad-tags',
        'rotor:grace',
        'is not an ISO-8601 duration such as PT24H or P45D',
      ),
    );
  });
});

describe('protocol guards (as in AWS rotation templates)', () => {
  it('refuses a secret whose rotation is disabled', async () => {
    const { store, deps, createManagedSecret } = rotationHarness();
    const secretId = createManagedSecret();
    const { versionId } = await store.rotate(secretId);
    store.setRotationEnabled(secretId, false);

    await expect(runRotationStep(deps, { step: 'createSecret', secretId, token: versionId })).rejects.toThrow(
      RotationDisabledError,
    );
  });

  it('refuses a token that is not a labelled version of the secret', async () => {
    const { deps, createManagedSecret } = rotationHarness();
    const secretId = createManagedSecret();

    await expect(runRotationStep(deps, { step: 'createSecret', secretId, token: UUID })).rejects.toThrow(
      UnknownRotationTokenError,
    );
  });

  it('does nothing for a token that is already AWSCURRENT, at every step', async () => {
    const { secretId, store, deps, rotate, provider } = await bootstrapped();
    const token = await rotate(secretId);
    provider.calls.length = 0;

    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await expect(runRotationStep(deps, { step, secretId, token })).resolves.toMatchObject({
        result: 'no-op',
      });
    }
    expect(provider.calls).toEqual([]);
    expect(labelsOf({ store }, secretId)[token]).toContain('AWSCURRENT');
  });

  it('refuses a token whose version is labelled but not AWSPENDING', async () => {
    const { secretId, deps, rotate } = await bootstrapped();
    const first = await rotate(secretId);
    await rotate(secretId);
    // `first` is now AWSPREVIOUS only.

    await expect(runRotationStep(deps, { step: 'finishSecret', secretId, token: first })).rejects.toThrow(
      TokenNotPendingError,
    );
  });
});

describe('testSecret', () => {
  it('waits out the propagation delay with bounded retries, then publishes Key Verified', async () => {
    const { secretId, store, deps, provider, clock, events } = await bootstrapped();
    const { versionId } = await store.rotate(secretId);
    await runRotationStep(deps, { step: 'createSecret', secretId, token: versionId });
    provider.verifyFailures = 2;

    await runRotationStep(deps, { step: 'testSecret', secretId, token: versionId });

    expect(provider.count('verify')).toBe(3);
    expect(clock.sleeps).toEqual([1_000, 1_000]);
    expect(events.ofType(DetailType.keyVerified)).toHaveLength(1);
  });

  it('revokes a key that never verifies, releases AWSPENDING and leaves AWSCURRENT untouched', async () => {
    const { secretId, store, deps, provider, events } = await bootstrapped();
    const currentBefore = await store.getValue(secretId, { stage: 'AWSCURRENT' });
    const { versionId } = await store.rotate(secretId);
    await runRotationStep(deps, { step: 'createSecret', secretId, token: versionId });
    const pendingKeyId = JSON.parse(
      (await store.getValue(secretId, { versionId })).secretString as string,
    ).keyId;
    events.clear();
    provider.verifyFailures = 10;

    await expect(runRotationStep(deps, { step: 'testSecret', secretId, token: versionId })).rejects.toThrow(
      KeyVerificationError,
    );

    expect(provider.isLive(pendingKeyId)).toBe(false);
    const currentAfter = await store.getValue(secretId, { stage: 'AWSCURRENT' });
    expect(currentAfter.versionId).toBe(currentBefore.versionId);
    expect(currentAfter.secretString).toBe(currentBefore.secretString);
    expect(labelsOf({ store }, secretId)[versionId]).toBeUndefined();
    expect(events.requests).toBe(1);
    expect(events.events.map((event) => event.detailType).sort()).toEqual([
      DetailType.keyRevoked,
      DetailType.rotationFailed,
    ]);
    await expect(store.rotate(secretId)).resolves.toBeDefined();
  });

  it('retried by Secrets Manager after failing for good, the rotation stops at the guard without touching the provider', async () => {
    const { secretId, store, deps, provider } = await bootstrapped();
    const { versionId } = await store.rotate(secretId);
    await runRotationStep(deps, { step: 'createSecret', secretId, token: versionId });
    provider.verifyFailures = 10;
    await runRotationStep(deps, { step: 'testSecret', secretId, token: versionId }).catch(() => undefined);
    provider.calls.length = 0;

    await expect(runRotationStep(deps, { step: 'createSecret', secretId, token: versionId })).rejects.toThrow(
      UnknownRotationTokenError,
    );
    expect(provider.calls).toEqual([]);
  });

  it('leaves the pending key to the enforcer when it cannot revoke it, keeping AWSPENDING as the marker', async () => {
    const { secretId, store, deps, provider, events } = await bootstrapped();
    const { versionId } = await store.rotate(secretId);
    await runRotationStep(deps, { step: 'createSecret', secretId, token: versionId });
    provider.verifyFailures = 10;
    provider.failNext('revoke');

    await expect(runRotationStep(deps, { step: 'testSecret', secretId, token: versionId })).rejects.toThrow(
      KeyVerificationError,
    );

    expect(labelsOf({ store }, secretId)[versionId]).toEqual(['AWSPENDING']);
    expect(events.ofType(DetailType.rotationFailed)[0]?.detail.cleanup).toMatch(/^left to the enforcer/);
  });
});

describe('finishSecret', () => {
  it('promotes the new key and keeps the old one live as AWSPREVIOUS (dual-key overlap)', async () => {
    const { secretId, store, deps, provider, events } = await bootstrapped();
    const oldCurrent = await store.getValue(secretId, { stage: 'AWSCURRENT' });
    const oldKeyId = JSON.parse(oldCurrent.secretString as string).keyId;
    const { versionId } = await store.rotate(secretId);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await runRotationStep(deps, { step, secretId, token: versionId });
    }

    const labels = labelsOf({ store }, secretId);
    expect(labels[versionId]).toContain('AWSCURRENT');
    expect(labels[oldCurrent.versionId]).toEqual(['AWSPREVIOUS']);
    expect(provider.isLive(oldKeyId)).toBe(true);
    expect(events.ofType(DetailType.rotationSucceeded)).toHaveLength(1);
    expect(events.ofType(DetailType.rotationSucceeded)[0]?.detail.trigger).toBe('schedule');
  });

  it('revokes the key that drops out of AWSPREVIOUS when it is still live (two slots)', async () => {
    const { secretId, rotate, provider, store } = await bootstrapped();
    await rotate(secretId);
    await rotate(secretId);
    await rotate(secretId);

    expect(provider.liveKeys()).toHaveLength(2);
    const labelled = store.versionsOf(secretId).filter((version) => version.stages.length > 0);
    const live = labelled.map((version) => JSON.parse(version.secretString as string).keyId);
    expect(
      provider
        .liveKeys()
        .map((key) => key.keyId)
        .sort(),
    ).toEqual(live.sort());
  });

  it('revokes the outgoing key at once after a leak, with no grace period', async () => {
    const { secretId, store, deps, provider, events } = await bootstrapped();
    const leaked = await store.getValue(secretId, { stage: 'AWSCURRENT' });
    const leakedKeyId = JSON.parse(leaked.secretString as string).keyId;
    const token = rotationToken({ trigger: 'leak', revokeOutgoingNow: true }, UUID);
    await store.rotate(secretId, token);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await runRotationStep(deps, { step, secretId, token });
    }

    expect(provider.isLive(leakedKeyId)).toBe(false);
    expect(provider.liveKeys()).toHaveLength(1);
    expect(labelsOf({ store }, secretId)[leaked.versionId]).toBeUndefined();
    const revoked = events.ofType(DetailType.keyRevoked)[0];
    expect(revoked?.detail).toMatchObject({ keyId: leakedKeyId, reason: 'leaked', trigger: 'leak' });
  });

  it('drops the bootstrap placeholder from AWSPREVIOUS: a fresh secret ends with one live key and one label', async () => {
    const { store, provider, createManagedSecret, rotate } = rotationHarness();
    const secretId = createManagedSecret();

    await rotate(secretId);

    expect(provider.liveKeys()).toHaveLength(1);
    const labelled = store.versionsOf(secretId).filter((version) => version.stages.length > 0);
    expect(labelled.map((version) => version.stages)).toEqual([['AWSPENDING', 'AWSCURRENT']]);
  });

  it('is a no-op when retried after it promoted the key', async () => {
    const { secretId, store, deps } = await bootstrapped();
    const { versionId } = await store.rotate(secretId);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await runRotationStep(deps, { step, secretId, token: versionId });
    }
    const callsBefore = store.callCount('UpdateSecretVersionStage');

    await expect(
      runRotationStep(deps, { step: 'finishSecret', secretId, token: versionId }),
    ).resolves.toMatchObject({
      result: 'no-op',
    });
    expect(store.callCount('UpdateSecretVersionStage')).toBe(callsBefore);
  });
});

describe('a full rotation', () => {
  it('makes at most 10 Secrets Manager calls, the admin-credential read included, and one PutEvents per step', async () => {
    const { secretId, store, deps, events } = await bootstrapped();
    const { versionId } = await store.rotate(secretId);
    store.resetCalls();
    const requestsPerStep: number[] = [];
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      const before = events.requests;
      await runRotationStep(deps, { step, secretId, token: versionId });
      requestsPerStep.push(events.requests - before);
    }

    const total = [...store.calls.values()].reduce((sum, count) => sum + count, 0);
    expect(total).toBeLessThanOrEqual(10);
    expect(Math.max(...requestsPerStep)).toBeLessThanOrEqual(1);
  });
});
