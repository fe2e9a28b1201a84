import { beforeEach, describe, expect, it } from 'vitest';
import { InMemoryEventPublisher } from '../../lambdas/adapters/in-memory-event-publisher';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import {
  AssistedKeyMismatchError,
  AssistedRevocationPendingError,
  confirmAssistedRevocation,
  InvalidSuppliedKeyError,
  NotAssistedError,
  remindAssisted,
  supplyAssistedKey,
} from '../../lambdas/domain/assisted-flow';
import { AssistedTags } from '../../lambdas/domain/assisted-mode';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import {
  AssistedRotationRequiredError,
  KeyVerificationError,
  ManagedSecretConfigError,
} from '../../lambdas/domain/errors';
import { Stage } from '../../lambdas/domain/managed-secret';
import { ROTATION_STEPS, type RotationDeps, runRotationStep } from '../../lambdas/domain/rotation';
import { fingerprintOf, placeholderValue } from '../../lambdas/domain/secret-value';
import { createRegistry } from '../../lambdas/providers';
import { manual } from '../../lambdas/providers/manual';
import type { AssistedGuide } from '../../lambdas/providers/provider';
import { FakeClock } from '../support/fake-clock';
import { FakeProvider } from '../support/fake-provider';
import { ROTATION_FUNCTION_ARN } from '../support/rotation-harness';

const KEY_1 = 'CANARY-assisted-key-one-7f3a9c';
const KEY_2 = 'CANARY-assisted-key-two-b81e02';
const GUIDE: AssistedGuide = { createSteps: 'make one', revokeSteps: 'revoke it', verifiable: true };

function world() {
  const clock = new FakeClock();
  const store = new InMemorySecretStore({ clock });
  const events = new InMemoryEventPublisher();
  // `checked` has a read call (like Stripe's) and falls back to assisted rotation without an admin credential.
  const checked = new FakeProvider('checked', () => clock.now());
  const deps: RotationDeps = {
    store,
    events,
    providers: {
      registry: createRegistry([manual, checked.adapter({ displayName: 'Checked', assisted: GUIDE })]),
      endpointOverride: () => undefined,
    },
    clock,
  };
  const createSecret = (tags: Record<string, string> = {}, name = 'billing/pagerduty') =>
    store.createSecret({
      name,
      secretString: placeholderValue(tags['rotor:provider'] ?? 'manual'),
      rotationLambdaArn: ROTATION_FUNCTION_ARN,
      tags: { 'rotor:provider': 'manual', 'rotor:grace': 'PT24H', 'rotor:max-age': 'P90D', ...tags },
    });
  /** RotateSecret and the four steps, as Secrets Manager runs them; returns the step's failure, if any. */
  const rotate = async (secretId: string) => {
    const { versionId } = await store.rotate(secretId);
    try {
      for (const step of ROTATION_STEPS) await runRotationStep(deps, { step, secretId, token: versionId });
      return undefined;
    } catch (error) {
      return error;
    }
  };
  const stages = (secretId: string) =>
    Object.fromEntries(
      store
        .versionsOf(secretId)
        .filter((version) => version.stages.length > 0)
        .map((version) => [JSON.parse(version.secretString ?? '{}').apiKey ?? 'empty', version.stages]),
    );
  const tags = async (secretId: string) => (await store.describe(secretId)).tags;
  return { clock, store, events, deps, checked, createSecret, rotate, stages, tags };
}

describe('assisted rotation: Rotor asks for a key', () => {
  let w: ReturnType<typeof world>;
  beforeEach(() => {
    w = world();
  });

  it('answers a due rotation with an Assisted Rotation Requested event that says what to do', async () => {
    const arn = w.createSecret();
    const failure = await w.rotate(arn);
    expect(failure).toBeInstanceOf(AssistedRotationRequiredError);
    const [request] = w.events.ofType(DetailType.assistedRotationRequested);
    expect(request?.detail).toMatchObject({
      secretName: 'billing/pagerduty',
      provider: 'manual',
      instructions: manual.assisted?.createSteps,
      supplyCommand: 'rotor supply billing/pagerduty (reads the new key from stdin)',
      requestedAt: '2026-12-04T19:00:00.000Z',
    });
  });

  it('does not also raise Rotation Failed for the request', async () => {
    await w.rotate(w.createSecret());
    expect(w.events.ofType(DetailType.rotationFailed)).toEqual([]);
  });

  it('releases AWSPENDING so that a later rotation or supply is not refused', async () => {
    const arn = w.createSecret();
    await w.rotate(arn);
    const stages = (await w.store.describe(arn)).versionIdsToStages;
    expect(Object.values(stages).flat()).not.toContain(Stage.pending);
    await expect(w.store.rotate(arn)).resolves.toBeDefined();
  });

  it('records when it asked, and keeps that time across repeated requests', async () => {
    const arn = w.createSecret();
    await w.rotate(arn);
    w.clock.advance(Durations.HOUR);
    await w.rotate(arn);
    expect((await w.tags(arn))[AssistedTags.requestedAt]).toBe('2026-12-04T19:00:00.000Z');
  });

  it('uses the secret’s own rotor:instructions when it has them', async () => {
    const arn = w.createSecret({ 'rotor:instructions': 'PagerDuty: Integrations > API Access Keys' });
    await w.rotate(arn);
    expect(w.events.ofType(DetailType.assistedRotationRequested)[0]?.detail.instructions).toBe(
      'PagerDuty: Integrations > API Access Keys',
    );
  });

  it('falls back to assisted rotation for an API provider when no admin credential is named', async () => {
    const arn = w.createSecret({ 'rotor:provider': 'checked' });
    expect(await w.rotate(arn)).toBeInstanceOf(AssistedRotationRequiredError);
    expect(w.checked.count('create')).toBe(0);
    expect(w.events.ofType(DetailType.assistedRotationRequested)).toHaveLength(1);
  });

  it('rotates an API provider through its API when an admin credential is named', async () => {
    w.store.createSecret({ name: 'rotor/admin/checked', secretString: 'admin' });
    const arn = w.createSecret({ 'rotor:provider': 'checked', 'rotor:admin-secret': 'rotor/admin/checked' });
    expect(await w.rotate(arn)).toBeUndefined();
    expect(w.checked.count('create')).toBe(1);
  });

  it('is forced by rotor:mode=assisted even when an admin credential is named', async () => {
    const arn = w.createSecret({
      'rotor:provider': 'checked',
      'rotor:admin-secret': 'rotor/admin/checked',
      'rotor:mode': 'assisted',
    });
    expect(await w.rotate(arn)).toBeInstanceOf(AssistedRotationRequiredError);
    expect(w.checked.count('create')).toBe(0);
  });

  it('refuses an unknown rotor:mode, naming the tag', async () => {
    const arn = w.createSecret({ 'rotor:mode': 'sometimes' });
    const failure = await w.rotate(arn);
    expect(failure).toBeInstanceOf(ManagedSecretConfigError);
    expect((failure as Error).message).toContain('rotor:mode');
  });
});

describe('assisted rotation: the operator supplies a key', () => {
  let w: ReturnType<typeof world>;
  beforeEach(() => {
    w = world();
  });

  it('makes the first key current in place of the placeholder, with no AWSPREVIOUS', async () => {
    const arn = w.createSecret();
    const result = await supplyAssistedKey(w.deps, { secretId: arn, apiKey: `${KEY_1}\n`, keyId: 'PD-1' });
    expect(w.stages(arn)).toEqual({ [KEY_1]: [Stage.current] });
    expect(result).toMatchObject({ keyId: 'PD-1', fingerprint: fingerprintOf(KEY_1), verified: false });
    expect(result.previousKey).toBeUndefined();
  });

  it('stores the documented value: apiKey, keyId, provider, createdAt, expiresAt (max age), fingerprint', async () => {
    const arn = w.createSecret();
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_1 });
    const value = JSON.parse((await w.store.getValue(arn, { stage: Stage.current })).secretString ?? '');
    expect(value).toEqual({
      apiKey: KEY_1,
      keyId: fingerprintOf(KEY_1),
      provider: 'manual',
      createdAt: '2026-12-04T19:00:00.000Z',
      expiresAt: '2027-03-04T19:00:00.000Z',
      fingerprint: fingerprintOf(KEY_1),
    });
  });

  it('closes the open request and publishes Assisted Key Supplied and Rotation Succeeded', async () => {
    const arn = w.createSecret();
    await w.rotate(arn);
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_1 });
    expect((await w.tags(arn))[AssistedTags.requestedAt]).toBe('');
    expect(w.events.ofType(DetailType.assistedKeySupplied)[0]?.detail).toMatchObject({
      fingerprint: fingerprintOf(KEY_1),
      verified: false,
      trigger: 'bootstrap',
    });
    expect(w.events.ofType(DetailType.rotationSucceeded)).toHaveLength(1);
  });

  it('keeps the replaced key live in AWSPREVIOUS and sets its revocation due after the grace period', async () => {
    const arn = w.createSecret();
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_1, keyId: 'PD-1' });
    w.clock.advance(30 * Durations.DAY);
    const result = await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_2, keyId: 'PD-2' });
    expect(w.stages(arn)).toEqual({ [KEY_2]: [Stage.current], [KEY_1]: [Stage.previous] });
    expect(result.previousKey).toEqual({
      keyId: 'PD-1',
      fingerprint: fingerprintOf(KEY_1),
      revokeDueAt: '2027-01-04T19:00:00.000Z',
    });
    expect((await w.tags(arn))[AssistedTags.revokeDueAt]).toBe('2027-01-04T19:00:00.000Z');
  });

  it('refuses a new key while an older one awaits confirmed revocation, changing nothing', async () => {
    const arn = w.createSecret();
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_1 });
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_2 });
    const before = w.stages(arn);
    await expect(
      supplyAssistedKey(w.deps, { secretId: arn, apiKey: 'CANARY-third-key' }),
    ).rejects.toBeInstanceOf(AssistedRevocationPendingError);
    expect(w.stages(arn)).toEqual(before);
  });

  it('refuses the key that is already current', async () => {
    const arn = w.createSecret();
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_1 });
    await expect(supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_1 })).rejects.toBeInstanceOf(
      InvalidSuppliedKeyError,
    );
  });

  it.each([
    ['empty input', ''],
    ['a lone newline', '\n'],
    ['two keys pasted on two lines', `${KEY_1}\n${KEY_2}`],
    ['a key with a space inside', 'CANARY-half one'],
  ])('refuses %s without quoting it', async (_, apiKey) => {
    const arn = w.createSecret();
    const failure = await supplyAssistedKey(w.deps, { secretId: arn, apiKey }).catch((e) => e);
    expect(failure).toBeInstanceOf(InvalidSuppliedKeyError);
    if (apiKey.trim()) expect((failure as Error).message).not.toContain('CANARY');
    expect(w.store.versionsOf(arn)).toHaveLength(1);
  });

  it('refuses a secret that is rotated through its provider’s API', async () => {
    const arn = w.createSecret({ 'rotor:provider': 'checked', 'rotor:admin-secret': 'rotor/admin/checked' });
    await expect(supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_1 })).rejects.toBeInstanceOf(
      NotAssistedError,
    );
  });

  it('verifies the key with the provider’s read call before making it current', async () => {
    const arn = w.createSecret({ 'rotor:provider': 'checked' });
    const accepted = await w.checked.connection().create({ name: 'made-by-operator', expiresAt: new Date() });
    const result = await supplyAssistedKey(w.deps, { secretId: arn, apiKey: accepted.credential.apiKey });
    expect(result.verified).toBe(true);
    expect(w.checked.count('verify')).toBe(1);
    expect(w.events.ofType(DetailType.keyVerified)).toHaveLength(1);
  });

  it('waits out the provider’s propagation delay before giving up on verification', async () => {
    const arn = w.createSecret({ 'rotor:provider': 'checked' });
    const accepted = await w.checked.connection().create({ name: 'made-by-operator', expiresAt: new Date() });
    w.checked.verifyFailures = 2;
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: accepted.credential.apiKey });
    expect(w.clock.sleeps).toEqual([1_000, 1_000]);
  });

  it('leaves AWSCURRENT alone and releases AWSPENDING when the key does not verify', async () => {
    const arn = w.createSecret({ 'rotor:provider': 'checked' });
    const first = await w.checked.connection().create({ name: 'op-1', expiresAt: new Date() });
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: first.credential.apiKey });
    const failure = await supplyAssistedKey(w.deps, { secretId: arn, apiKey: 'CANARY-not-a-real-key' }).catch(
      (e) => e,
    );
    expect(failure).toBeInstanceOf(KeyVerificationError);
    expect(w.stages(arn)).toEqual({ [first.credential.apiKey]: [Stage.current] });
    expect(w.events.ofType(DetailType.rotationFailed)[0]?.detail.cleanup).toContain('AWSPENDING released');
  });
});

describe('assisted rotation: reminders until the old key is revoked', () => {
  let w: ReturnType<typeof world>;
  let arn: string;
  beforeEach(async () => {
    w = world();
    arn = w.createSecret();
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_1, keyId: 'PD-1' });
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_2, keyId: 'PD-2' });
    w.events.clear();
  });
  const remind = async () => remindAssisted(w.deps, await w.store.describe(arn));

  it('stays quiet during the grace period', async () => {
    w.clock.advance(23 * Durations.HOUR);
    expect((await remind()).actions).toEqual([]);
    expect(w.events.events).toEqual([]);
  });

  it('asks the operator to revoke the old key once the grace period is over, naming it', async () => {
    w.clock.advance(25 * Durations.HOUR);
    expect((await remind()).actions).toEqual(['revocation-requested']);
    expect(w.events.ofType(DetailType.assistedRevocationRequested)[0]?.detail).toMatchObject({
      keyId: 'PD-1',
      fingerprint: fingerprintOf(KEY_1),
      instructions: manual.assisted?.revokeSteps,
      confirmCommand: 'rotor confirm-revoked billing/pagerduty',
    });
  });

  it('reminds at most once per rotor:remind-every however often the sweep runs', async () => {
    w.clock.advance(25 * Durations.HOUR);
    await remind();
    w.clock.advance(Durations.HOUR);
    expect((await remind()).actions).toEqual([]);
    w.clock.advance(Durations.DAY);
    expect((await remind()).actions).toEqual(['revocation-requested']);
    expect(w.events.ofType(DetailType.assistedRevocationRequested)).toHaveLength(2);
  });

  it('stops reminding once the operator confirms, and removes AWSPREVIOUS from the old key', async () => {
    w.clock.advance(25 * Durations.HOUR);
    await remind();
    const result = await confirmAssistedRevocation(w.deps, { secretId: arn, keyId: 'PD-1' });
    expect(result).toEqual({ outcome: 'confirmed', keyId: 'PD-1', fingerprint: fingerprintOf(KEY_1) });
    expect(w.stages(arn)).toEqual({ [KEY_2]: [Stage.current] });
    w.clock.advance(7 * Durations.DAY);
    expect((await remind()).actions).toEqual([]);
  });

  it('records the confirmation as Assisted Revocation Confirmed and Key Revoked', async () => {
    await confirmAssistedRevocation(w.deps, { secretId: arn });
    expect(w.events.ofType(DetailType.assistedRevocationConfirmed)[0]?.detail).toMatchObject({
      keyId: 'PD-1',
      beforeGraceEnded: true,
    });
    expect(w.events.ofType(DetailType.keyRevoked)[0]?.detail).toMatchObject({
      keyId: 'PD-1',
      revokedBy: 'operator',
    });
  });

  it('refuses a confirmation that names another key, keeping the old key tracked', async () => {
    await expect(confirmAssistedRevocation(w.deps, { secretId: arn, keyId: 'PD-2' })).rejects.toBeInstanceOf(
      AssistedKeyMismatchError,
    );
    expect(w.stages(arn)).toEqual({ [KEY_2]: [Stage.current], [KEY_1]: [Stage.previous] });
  });

  it('answers nothing-to-confirm when no old key is live', async () => {
    await confirmAssistedRevocation(w.deps, { secretId: arn });
    await expect(confirmAssistedRevocation(w.deps, { secretId: arn })).resolves.toEqual({
      outcome: 'nothing-to-confirm',
    });
  });

  it('repeats an open rotation request daily until a key is supplied', async () => {
    await confirmAssistedRevocation(w.deps, { secretId: arn });
    await w.rotate(arn);
    w.clock.advance(Durations.HOUR);
    expect((await remind()).actions).toEqual([]);
    w.clock.advance(Durations.DAY);
    expect((await remind()).actions).toEqual(['rotation-reminded']);
    expect(w.events.ofType(DetailType.assistedRotationRequested).at(-1)?.detail.reminder).toBe(true);
  });

  it('does nothing for a secret rotated through its provider’s API', async () => {
    const apiArn = w.createSecret(
      { 'rotor:provider': 'checked', 'rotor:admin-secret': 'rotor/admin/checked' },
      'billing/checked',
    );
    w.clock.advance(30 * Durations.DAY);
    expect((await remindAssisted(w.deps, await w.store.describe(apiArn))).actions).toEqual([]);
  });
});

describe('assisted rotation end to end', () => {
  it('never puts a supplied key into an event or an error', async () => {
    const w = world();
    const arn = w.createSecret();
    const errors: unknown[] = [];
    errors.push(await w.rotate(arn));
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_1 });
    w.clock.advance(10 * Durations.DAY);
    errors.push(await w.rotate(arn));
    await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_2 });
    errors.push(await supplyAssistedKey(w.deps, { secretId: arn, apiKey: KEY_2 }).catch((e) => e));
    errors.push(await supplyAssistedKey(w.deps, { secretId: arn, apiKey: `${KEY_1} x` }).catch((e) => e));
    w.clock.advance(2 * Durations.DAY);
    await remindAssisted(w.deps, await w.store.describe(arn));
    await confirmAssistedRevocation(w.deps, { secretId: arn });

    const rendered = JSON.stringify(w.events.events) + errors.map((e) => `${(e as Error).message}`).join(' ');
    expect(w.events.events.length).toBeGreaterThan(8);
    expect(rendered).not.toContain(KEY_1);
    expect(rendered).not.toContain(KEY_2);
  });
});
