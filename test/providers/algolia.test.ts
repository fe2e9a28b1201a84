import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryEventPublisher } from '../../lambdas/adapters/in-memory-event-publisher';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import { DetailType } from '../../lambdas/domain/audit-events';
import {
  AdminCredentialError,
  KeyVerificationError,
  ManagedSecretConfigError,
} from '../../lambdas/domain/errors';
import { ROTATION_STEPS, runRotationStep } from '../../lambdas/domain/rotation';
import { fingerprintOf, placeholderValue } from '../../lambdas/domain/secret-value';
import { createRegistry } from '../../lambdas/providers';
import { algolia, PROVIDER_EXPIRY_MARGIN_MS } from '../../lambdas/providers/algolia';
import { ProviderNotFoundError } from '../../lambdas/providers/errors';
import { FakeClock } from '../support/fake-clock';
import { ALGOLIA_APP_ID, startAlgoliaFake } from './fakes/algolia-fake';
import { describeAdapterConformance } from './support/conformance';

describeAdapterConformance('Algolia', async () => ({ adapter: algolia, fake: await startAlgoliaFake() }));

type AlgoliaFake = Awaited<ReturnType<typeof startAlgoliaFake>>;

describe('Algolia adapter', () => {
  let fake: AlgoliaFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const context = (settings: Record<string, string> = {}) => ({
    settings: { 'application-id': ALGOLIA_APP_ID, acl: 'search', ...settings },
    endpointOverride: fake?.server.url,
    secretName: 'search-api',
    http: { sleep: async () => undefined },
  });
  const connect = (settings: Record<string, string> = {}, adminCredential?: string) =>
    algolia.connect({
      ...context(settings),
      adminCredential: adminCredential ?? (fake?.adminCredential as string),
    });

  it('creates keys with the ACL and indexes from the settings, named in the description, with the admin headers', async () => {
    fake = await startAlgoliaFake();
    await connect({ acl: 'search, browse', indexes: 'prod_* staging_products' }).create({
      name: 'rotor-search-api-1',
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const [request] = fake.server.requestsTo('POST', '/1/keys');
    expect(request?.body).toMatchObject({
      acl: ['search', 'browse'],
      description: 'rotor-search-api-1',
      indexes: ['prod_*', 'staging_products'],
    });
    expect(request?.headers['x-algolia-application-id']).toBe(ALGOLIA_APP_ID);
    expect(request?.headers['x-algolia-api-key']).toBe(fake.adminCredential);
  });

  it('sets validity so that the key expires at the provider one margin after Rotor retires it', async () => {
    fake = await startAlgoliaFake();
    const expiresAt = new Date(Date.now() + 45 * 86_400_000);
    const minted = await connect().create({ name: 'rotor-search-api-1', expiresAt });
    const validity =
      (fake.server.requestsTo('POST', '/1/keys')[0]?.body as { validity: number } | undefined)?.validity ?? 0;
    const expected = (expiresAt.getTime() + PROVIDER_EXPIRY_MARGIN_MS - Date.now()) / 1000;
    expect(Math.abs(validity - expected)).toBeLessThan(5);
    expect(minted.providerExpiresAt?.getTime()).toBeGreaterThanOrEqual(expiresAt.getTime());
    expect(
      Math.abs(
        (minted.providerExpiresAt?.getTime() ?? 0) - (expiresAt.getTime() + PROVIDER_EXPIRY_MARGIN_MS),
      ),
    ).toBeLessThan(5_000);
  });

  it('gives the key a derived, non-secret id and stores the application id beside it', async () => {
    fake = await startAlgoliaFake();
    const minted = await connect().create({
      name: 'rotor-search-api-1',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    expect(minted.keyId).toBe(fingerprintOf(minted.credential.apiKey));
    expect(minted.keyId).not.toContain(minted.credential.apiKey);
    expect(minted.publicFields).toEqual({ applicationId: ALGOLIA_APP_ID });
  });

  it('revokes by the stored key value without listing keys when given the credential', async () => {
    fake = await startAlgoliaFake();
    const connection = connect();
    const minted = await connection.create({
      name: 'rotor-search-api-1',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    await expect(
      connection.revoke(minted.keyId, { ...minted.credential, keyId: minted.keyId }),
    ).resolves.toBe('revoked');
    expect(fake.server.requestsTo('GET', '/1/keys')).toHaveLength(0);
    expect(fake.isLive(minted.keyId)).toBe(false);
  });

  it('ignores a credential whose value does not match the key id and finds the key by listing instead', async () => {
    fake = await startAlgoliaFake();
    const connection = connect();
    const target = await connection.create({
      name: 'rotor-search-api-1',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const other = await connection.create({
      name: 'rotor-search-api-2',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    await connection.revoke(target.keyId, { ...other.credential, keyId: target.keyId });
    expect(fake.isLive(target.keyId)).toBe(false);
    expect(fake.isLive(other.keyId)).toBe(true);
  });

  it('answers 404 while a new key propagates, which verify reports as a provider error to wait out', async () => {
    fake = await startAlgoliaFake({ propagationMisses: 2 });
    const minted = await connect().create({
      name: 'rotor-search-api-1',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const credential = { ...minted.publicFields, ...minted.credential, keyId: minted.keyId };
    await expect(algolia.verify(credential, context())).rejects.toBeInstanceOf(ProviderNotFoundError);
    await expect(algolia.verify(credential, context())).rejects.toBeInstanceOf(ProviderNotFoundError);
    await expect(algolia.verify(credential, context())).resolves.toBeUndefined();
    // Verification authenticates with the new key itself, never the admin key.
    const verifications = fake.server.requests.filter(fake.isVerify);
    expect(
      verifications.every((request) => request.headers['x-algolia-api-key'] === minted.credential.apiKey),
    ).toBe(true);
  });

  it('allows at least a minute of propagation, as Algolia documents that new keys take time to appear', () => {
    expect(algolia.propagation.attempts * algolia.propagation.delayMs).toBeGreaterThanOrEqual(60_000);
  });

  it('rejects an application id that could change the host, naming the tag', () => {
    for (const applicationId of ['evil.example.com/x', 'APP@attacker', 'APP.algolia.net#']) {
      expect(() => connect({ 'application-id': applicationId }, 'a'.repeat(32))).toThrow(
        /rotor:application-id must be an Algolia application id/,
      );
    }
    expect(() =>
      algolia.connect({
        settings: { acl: 'search' },
        adminCredential: 'a'.repeat(32),
        secretName: 'search-api',
      }),
    ).toThrow(ManagedSecretConfigError);
  });

  it('lets a tag choose only among the application’s official hosts', () => {
    const withHost = (host: string) => () =>
      algolia.connect({
        settings: { 'application-id': ALGOLIA_APP_ID, acl: 'search', host },
        adminCredential: 'a'.repeat(32),
        secretName: 'search-api',
      });
    expect(withHost('fallback-2')).not.toThrow();
    expect(withHost('https://attacker.example')).toThrow(/rotor:host must be one of: primary, fallback-1/);
  });

  it('refuses to create a key without an ACL', async () => {
    fake = await startAlgoliaFake();
    await expect(
      connect({ acl: '' }).create({
        name: 'rotor-search-api-1',
        expiresAt: new Date(Date.now() + 86_400_000),
      }),
    ).rejects.toThrow(/rotor:acl is missing/);
    expect(fake.server.requests).toHaveLength(0);
  });

  it('rejects an admin credential that is not an Algolia key, without quoting it', () => {
    const attempt = () => algolia.connect({ ...context(), adminCredential: 'hunter2 not-a-key!' });
    expect(attempt).toThrow(AdminCredentialError);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('accepts the admin credential as JSON with apiKey', async () => {
    fake = await startAlgoliaFake();
    const json = JSON.stringify({ apiKey: fake.adminCredential });
    await expect(connect({}, json).listOwnKeys('rotor-')).resolves.toEqual([]);
  });
});

describe('Algolia rotation end to end', () => {
  let fake: AlgoliaFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  async function rotationWith(currentFake: AlgoliaFake) {
    const clock = new FakeClock(new Date());
    const store = new InMemorySecretStore({ clock });
    const events = new InMemoryEventPublisher();
    store.createSecret({ name: 'rotor/admin/algolia', secretString: currentFake.adminCredential });
    const secretId = store.createSecret({
      name: 'search-api',
      secretString: placeholderValue('algolia'),
      rotationLambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:rotor-rotation',
      tags: {
        'rotor:provider': 'algolia',
        'rotor:admin-secret': 'rotor/admin/algolia',
        'rotor:application-id': ALGOLIA_APP_ID,
        'rotor:acl': 'search',
      },
    });
    const deps = {
      store,
      events,
      clock,
      providers: { registry: createRegistry([algolia]), endpointOverride: () => currentFake.server.url },
    };
    const rotate = async () => {
      const { versionId } = await store.rotate(secretId);
      for (const step of ROTATION_STEPS) await runRotationStep(deps, { step, secretId, token: versionId });
      return versionId;
    };
    return { clock, store, events, secretId, rotate };
  }

  it('waits out propagation in testSecret and then verifies the new key', async () => {
    fake = await startAlgoliaFake({ propagationMisses: 3 });
    const { clock, events, store, secretId, rotate } = await rotationWith(fake);
    await rotate();
    expect(events.ofType(DetailType.keyVerified)).toHaveLength(1);
    expect(clock.sleeps).toEqual([5_000, 5_000, 5_000]);
    const current = JSON.parse(
      (await store.getValue(secretId, { stage: 'AWSCURRENT' })).secretString as string,
    );
    expect(current.applicationId).toBe(ALGOLIA_APP_ID);
    expect(fake.isLive(current.keyId)).toBe(true);
  });

  it('revokes a key that never propagates by its stored value, without listing keys', async () => {
    fake = await startAlgoliaFake({ propagationMisses: 1_000 });
    const { rotate } = await rotationWith(fake);
    await expect(rotate()).rejects.toBeInstanceOf(KeyVerificationError);
    expect(fake.liveKeyIds()).toEqual([]);
    expect(fake.server.requestsTo('GET', '/1/keys')).toHaveLength(0);
  });
});
