import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryEventPublisher } from '../../lambdas/adapters/in-memory-event-publisher';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import { translate } from '../../lambdas/adapters/secrets-manager-store';
import { DetailType } from '../../lambdas/domain/audit-events';
import {
  AdminCredentialError,
  MalformedSecretValueError,
  ManagedSecretConfigError,
} from '../../lambdas/domain/errors';
import { Stage } from '../../lambdas/domain/managed-secret';
import { ROTATION_STEPS, type RotationDeps, runRotationStep } from '../../lambdas/domain/rotation';
import { placeholderValue } from '../../lambdas/domain/secret-value';
import { StoreAccessDeniedError } from '../../lambdas/domain/store-errors';
import { createRegistry } from '../../lambdas/providers';
import { ProviderResponseError } from '../../lambdas/providers/errors';
import { sendgrid } from '../../lambdas/providers/sendgrid';
import { startSendGridFake } from '../providers/fakes/sendgrid-fake';
import { enforcerHarness } from '../support/enforcer-harness';
import { FakeClock } from '../support/fake-clock';
import { ROTATION_FUNCTION_ARN, rotationHarness } from '../support/rotation-harness';

/**
 * Bad input at every boundary that the existing suites leave open (see
 * docs/reliability.md for the ones covered elsewhere). Each case checks the
 * named error, the audit event where one belongs, and that nothing live
 * changed: the same keys live at the provider and the same labels.
 */

type Harness = ReturnType<typeof rotationHarness>;

/** What is live: the provider's live keys and every labelled version. */
function liveState(h: Pick<Harness, 'provider' | 'store'>, secretId: string) {
  return {
    keys: h.provider
      .liveKeys()
      .map((key) => key.keyId)
      .sort(),
    labels: h.store
      .versionsOf(secretId)
      .filter((version) => version.stages.length > 0)
      .map((version) => [version.versionId, [...version.stages].sort()]),
  };
}

/** A secret with a key current and one previous, both live. */
async function rotatedTwice(h: Harness, name = 'payments/bad-input') {
  const secretId = h.createManagedSecret(name);
  await h.rotate(secretId);
  await h.rotate(secretId);
  return secretId;
}

async function runSteps(deps: RotationDeps, secretId: string, token: string): Promise<unknown> {
  for (const step of ROTATION_STEPS) {
    try {
      await runRotationStep(deps, { step, secretId, token });
    } catch (error) {
      return error;
    }
  }
  return undefined;
}

describe('a malformed or oversized secret value', () => {
  it('in AWSPENDING fails testSecret with MalformedSecretValueError and Rotation Failed, changing nothing live', async () => {
    const h = rotationHarness();
    const secretId = await rotatedTwice(h);
    const { versionId } = await h.store.rotate(secretId);
    await h.store.putPendingValue(secretId, versionId, '{"apiKey": ');
    const before = liveState(h, secretId);

    const error = await runSteps(h.deps, secretId, versionId);

    expect(error).toBeInstanceOf(MalformedSecretValueError);
    expect(h.events.ofType(DetailType.rotationFailed).at(-1)?.detail.error?.name).toBe(
      'MalformedSecretValueError',
    );
    expect(liveState(h, secretId)).toEqual(before);
  });

  it('in AWSPREVIOUS over 16 KiB fails finishSecret before any label moves, with Rotation Failed', async () => {
    const h = rotationHarness();
    const secretId = await rotatedTwice(h);
    const previous = h.store.versionsOf(secretId).find((version) => version.stages.includes(Stage.previous));
    const value = JSON.parse(previous?.secretString as string) as Record<string, string>;
    await h.store.putValue(secretId, JSON.stringify({ ...value, padding: 'x'.repeat(20_000) }), [
      Stage.previous,
    ]);
    const { versionId } = await h.store.rotate(secretId);
    for (const step of ['createSecret', 'setSecret', 'testSecret'] as const) {
      await runRotationStep(h.deps, { step, secretId, token: versionId });
    }
    const before = liveState(h, secretId);

    await expect(
      runRotationStep(h.deps, { step: 'finishSecret', secretId, token: versionId }),
    ).rejects.toThrow(MalformedSecretValueError);

    expect(h.events.ofType(DetailType.rotationFailed).at(-1)?.detail.error?.message).toContain(
      'exceeds 16384 bytes',
    );
    expect(liveState(h, secretId)).toEqual(before);
  });
});

describe('tags with wrong types or durations', () => {
  it.each([
    ['rotor:max-age', '45'],
    ['rotor:max-age', 'true'],
    ['rotor:grace', 'P1M'],
    ['rotor:grace', 'P60D'],
    ['rotor:unused-after', '-P1D'],
    ['rotor:unused-action', 'delete'],
  ])(
    '%s = %s: the rotation fails with ManagedSecretConfigError naming the tag, mints nothing and releases AWSPENDING',
    async (tag, value) => {
      const h = rotationHarness();
      const secretId = await rotatedTwice(h);
      await h.store.tag(secretId, { [tag]: value });
      const keysBefore = liveState(h, secretId).keys;
      const { versionId } = await h.store.rotate(secretId);

      const error = await runSteps(h.deps, secretId, versionId);

      expect(error).toBeInstanceOf(ManagedSecretConfigError);
      expect((error as ManagedSecretConfigError).field).toBe(tag);
      expect(h.events.ofType(DetailType.rotationFailed).at(-1)?.detail.error?.message).toContain(tag);
      expect(liveState(h, secretId).keys).toEqual(keysBefore);
      expect(h.store.versionsOf(secretId).find((version) => version.versionId === versionId)?.stages).toEqual(
        [],
      );
    },
  );

  it.each([
    ['rotor:max-age', '45'],
    ['rotor:grace', 'P60D'],
    ['rotor:unused-action', 'delete'],
  ])(
    '%s = %s: the sweep raises a Policy Violation naming the tag and revokes nothing',
    async (tag, value) => {
      const h = enforcerHarness();
      const secretId = await h.rotatedSecret('app/bad-tags', {}, 1);
      await h.store.tag(secretId, { [tag]: value });
      h.clock.advance(100 * 24 * 3600_000);
      const before = liveState(h, secretId);

      await h.sweep();

      const violations = h.sweepEvents(DetailType.policyViolation);
      expect(violations).toHaveLength(1);
      expect(violations[0]?.detail.reason).toContain(tag);
      expect(liveState(h, secretId)).toEqual(before);
    },
  );
});

describe('an event from an unexpected source', () => {
  it('a rotation event for a secret Rotor does not manage fails with ManagedSecretConfigError and mints nothing', async () => {
    const h = rotationHarness();
    const secretId = h.store.createSecret({
      name: 'someone-elses/db-password',
      secretString: 'hunter2',
      rotationLambdaArn: ROTATION_FUNCTION_ARN,
    });
    const { versionId } = await h.store.rotate(secretId);

    const error = await runSteps(h.deps, secretId, versionId);

    expect(error).toBeInstanceOf(ManagedSecretConfigError);
    expect((error as Error).message).toContain('rotor:provider is missing');
    expect(h.provider.calls).toEqual([]);
    expect(h.events.ofType(DetailType.rotationFailed)).toHaveLength(1);
    expect(h.store.versionsOf(secretId).find((version) => version.versionId === versionId)?.stages).toEqual(
      [],
    );
  });
});

describe('an admin secret in the wrong format', () => {
  it.each([
    ['blank', '   '],
    ['not a SendGrid key', 'admin-credential'],
  ])(
    '%s: the rotation fails with AdminCredentialError, sends nothing to the provider and releases AWSPENDING',
    async (_case, admin) => {
      const clock = new FakeClock();
      const store = new InMemorySecretStore({ clock });
      const events = new InMemoryEventPublisher();
      const deps: RotationDeps = {
        store,
        events,
        clock,
        providers: { registry: createRegistry([sendgrid]), endpointOverride: () => 'http://127.0.0.1:9' },
      };
      store.createSecret({ name: 'rotor/admin/sendgrid', secretString: admin });
      const secretId = store.createSecret({
        name: 'payments/sendgrid',
        secretString: placeholderValue('sendgrid'),
        rotationLambdaArn: ROTATION_FUNCTION_ARN,
        tags: {
          'rotor:provider': 'sendgrid',
          'rotor:admin-secret': 'rotor/admin/sendgrid',
          'rotor:scopes': 'mail.send',
        },
      });
      const { versionId } = await store.rotate(secretId);

      const error = await runSteps(deps, secretId, versionId);

      expect(error).toBeInstanceOf(AdminCredentialError);
      expect((error as Error).message).not.toContain(admin.trim() || 'unused');
      expect(events.ofType(DetailType.rotationFailed)).toHaveLength(1);
      expect(store.versionsOf(secretId).find((version) => version.versionId === versionId)?.stages).toEqual(
        [],
      );
    },
  );
});

describe('an admin secret Rotor may not read', () => {
  it('maps AccessDeniedException and DecryptionFailure to StoreAccessDeniedError, and throttling not', () => {
    const named = (name: string) => Object.assign(new Error('denied'), { name });
    expect(translate(named('AccessDeniedException'), 'rotor/admin')).toBeInstanceOf(StoreAccessDeniedError);
    expect(translate(named('DecryptionFailure'), 'rotor/admin')).toBeInstanceOf(StoreAccessDeniedError);
    expect(translate(named('ThrottlingException'), 'rotor/admin')).not.toBeInstanceOf(StoreAccessDeniedError);
  });

  it('fails the rotation for good with AdminCredentialError when access is denied, minting nothing', async () => {
    const clock = new FakeClock();
    const store = new InMemorySecretStore({
      clock,
      fault: (operation, secretId) =>
        operation === 'GetSecretValue' && secretId === 'rotor/admin/fake'
          ? new StoreAccessDeniedError('AccessDeniedException (rotor/admin/fake): not authorized')
          : undefined,
    });
    const h = rotationHarness();
    const deps: RotationDeps = { ...h.deps, store };
    store.createSecret({ name: 'rotor/admin/fake', secretString: 'admin-credential' });
    const secretId = store.createSecret({
      name: 'payments/denied',
      secretString: placeholderValue('fake'),
      rotationLambdaArn: ROTATION_FUNCTION_ARN,
      tags: { 'rotor:provider': 'fake', 'rotor:admin-secret': 'rotor/admin/fake' },
    });
    const { versionId } = await store.rotate(secretId);

    const error = await runSteps(deps, secretId, versionId);

    expect(error).toBeInstanceOf(AdminCredentialError);
    expect((error as Error).message).toContain('could not be read');
    expect(h.provider.calls).toEqual([]);
    expect(store.versionsOf(secretId).find((version) => version.versionId === versionId)?.stages).toEqual([]);
  });
});

describe('a provider answer that is not JSON or lacks the key', () => {
  let fake: Awaited<ReturnType<typeof startSendGridFake>> | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it.each([
    ['not JSON', 'created, but this is not JSON'],
    ['without api_key', { api_key_id: 'made-anyway' }],
  ])(
    'create answered 201 %s: ProviderResponseError, Rotation Failed, and the key SendGrid made is revoked at once',
    async (_case, body) => {
      fake = await startSendGridFake();
      const server = fake.server;
      const clock = new FakeClock();
      const store = new InMemorySecretStore({ clock });
      const events = new InMemoryEventPublisher();
      const deps: RotationDeps = {
        store,
        events,
        clock,
        providers: { registry: createRegistry([sendgrid]), endpointOverride: () => server.url },
      };
      store.createSecret({ name: 'rotor/admin/sendgrid', secretString: fake.adminCredential });
      const secretId = store.createSecret({
        name: 'payments/sendgrid',
        secretString: placeholderValue('sendgrid'),
        rotationLambdaArn: ROTATION_FUNCTION_ARN,
        tags: {
          'rotor:provider': 'sendgrid',
          'rotor:admin-secret': 'rotor/admin/sendgrid',
          'rotor:scopes': 'mail.send',
        },
      });
      const { versionId } = await store.rotate(secretId);
      server.failNext({
        reply: { status: 201, body },
        when: (request) => request.method === 'POST' && request.path === '/v3/api_keys',
        afterEffect: true,
      });

      const error = await runSteps(deps, secretId, versionId);

      expect(error).toBeInstanceOf(ProviderResponseError);
      expect(events.ofType(DetailType.rotationFailed).at(-1)?.detail.error?.name).toBe(
        'ProviderResponseError',
      );
      expect(fake.liveKeyIds()).toEqual([]);
      expect(events.ofType(DetailType.orphanKeyRevoked)).toHaveLength(1);
    },
  );
});
