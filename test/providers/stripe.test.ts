import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveAssistedRotation } from '../../lambdas/domain/assisted-mode';
import { AdminCredentialError, ManagedSecretConfigError } from '../../lambdas/domain/errors';
import { createRegistry } from '../../lambdas/providers';
import { ProviderPermissionError, ProviderResponseError } from '../../lambdas/providers/errors';
import { DEFAULT_STRIPE_VERSION, decryptCompactJwe, stripe } from '../../lambdas/providers/stripe';
import { encryptJwe, STRIPE_FAKE_ACCOUNT, startStripeFake } from './fakes/stripe-fake';
import { describeAdapterConformance } from './support/conformance';

describeAdapterConformance('Stripe (live mode, encrypted secret)', async () => ({
  adapter: stripe,
  fake: await startStripeFake(),
}));
describeAdapterConformance('Stripe (test mode, plain token)', async () => ({
  adapter: stripe,
  fake: await startStripeFake({ livemode: false }),
}));

const DAY = 24 * 3600 * 1000;

describe('Stripe adapter', () => {
  let fake: Awaited<ReturnType<typeof startStripeFake>> | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const connect = (settings?: Record<string, string>, admin?: string) =>
    stripe.connect({
      settings: settings ?? (fake?.settings as Record<string, string>),
      adminCredential: admin ?? (fake?.adminCredential as string),
      endpointOverride: fake?.server.url,
      secretName: 'payments-api',
      http: { sleep: async () => undefined },
    });
  const context = () => ({ settings: {}, endpointOverride: fake?.server.url, secretName: 'payments-api' });

  it('acts for the account in rotor:account through Stripe-Context, with the app key and the preview version', async () => {
    fake = await startStripeFake();
    await connect().listOwnKeys('rotor-');
    const [request] = fake.server.requests;
    expect(request?.headers['stripe-context']).toBe(STRIPE_FAKE_ACCOUNT);
    expect(request?.headers.authorization).toBe(`Bearer ${fake.adminCredential}`);
    expect(request?.headers['stripe-version']).toBe(DEFAULT_STRIPE_VERSION);
  });

  it('creates a secret key with the permissions from rotor:permissions and a fresh RSA public key', async () => {
    fake = await startStripeFake();
    await connect().create({ name: 'rotor-payments-api-1', expiresAt: new Date(Date.now() + DAY) });
    const body = fake.server.requests[0]?.body as Record<string, unknown> & {
      public_key: { pem_key: { algorithm: string; data: string } };
    };
    expect(body).toMatchObject({ type: 'secret_key', name: 'rotor-payments-api-1' });
    expect(body.permissions).toEqual(['balance_read', 'charge_read']);
    expect(body.public_key.pem_key.algorithm).toBe('RSA');
    expect(body.public_key.pem_key.data).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('decrypts a live-mode secret wrapped with RSA-OAEP (SHA-1) as well as RSA-OAEP-256', async () => {
    fake = await startStripeFake({ alg: 'RSA-OAEP' });
    const minted = await connect().create({
      name: 'rotor-payments-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    expect(minted.credential.apiKey).toBe(fake.keys.get(minted.keyId)?.token);
  });

  it('refuses to mint a key without rotor:permissions, before calling Stripe', async () => {
    fake = await startStripeFake();
    const connection = connect({ account: STRIPE_FAKE_ACCOUNT });
    await expect(
      connection.create({ name: 'rotor-payments-api-1', expiresAt: new Date(Date.now() + DAY) }),
    ).rejects.toThrow(/rotor:permissions is missing/);
    expect(fake.server.requests).toHaveLength(0);
  });

  it('expires the old key when revoking, and never calls the rotate endpoint', async () => {
    fake = await startStripeFake();
    const connection = connect();
    const minted = await connection.create({
      name: 'rotor-payments-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    await connection.revoke(minted.keyId);
    expect(fake.server.requestsTo('POST', `/v2/iam/api_keys/${minted.keyId}/expire`)).toHaveLength(1);
    expect(fake.server.requests.filter((request) => request.path.endsWith('/rotate'))).toEqual([]);
  });

  it('sets no provider-side expiry, since create takes none', async () => {
    fake = await startStripeFake();
    const minted = await connect().create({
      name: 'rotor-payments-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    expect(minted.providerExpiresAt).toBeUndefined();
  });

  it('follows next_page_url and keeps no token from list items', async () => {
    fake = await startStripeFake({ livemode: false });
    const connection = connect();
    for (let i = 0; i < 100; i++) {
      const id = `mk_other${i}`;
      const other = { id, name: `other-${i}`, token: `rk_test_o${i}`, created: new Date().toISOString() };
      fake.keys.set(id, { ...other, permissions: [], status: 'active' });
    }
    const own = await connection.create({ name: 'rotor-payments-api-1', expiresAt: new Date() });
    const listed = await connection.listOwnKeys('rotor-payments-api-');
    expect(listed.map((key) => key.keyId)).toEqual([own.keyId]);
    expect(JSON.stringify(listed)).not.toContain(own.credential.apiKey);
    expect(fake.server.requestsTo('GET', '/v2/iam/api_keys')).toHaveLength(2);
  });

  it('accepts a new restricted key that lacks balance_read as verified (403, not 401)', async () => {
    fake = await startStripeFake();
    const minted = await connect({ account: STRIPE_FAKE_ACCOUNT, permissions: 'charge_read' }).create({
      name: 'rotor-payments-api-1',
      expiresAt: new Date(),
    });
    await expect(
      stripe.verify({ ...minted.credential, keyId: minted.keyId }, context()),
    ).resolves.toBeUndefined();
  });

  it('maps an app that is not installed on the account to ProviderPermissionError', async () => {
    fake = await startStripeFake();
    await expect(
      connect({ account: 'acct_1SomeoneElse', permissions: 'charge_read' }).listOwnKeys('rotor-'),
    ).rejects.toBeInstanceOf(ProviderPermissionError);
  });

  it('refuses a tampered encrypted secret with ProviderResponseError', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwe = encryptJwe('rk_live_secret', publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const parts = jwe.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptCompactJwe(parts.join('.'), privateKey, 200)).toThrow(ProviderResponseError);
  });

  it('requires rotor:account, naming the tag', () => {
    expect(() => connect({}, 'sk_test_abc')).toThrow(ManagedSecretConfigError);
    expect(() => connect({}, 'sk_test_abc')).toThrow(/rotor:account is missing/);
  });

  it("rejects an admin credential that is not the app's secret key, without quoting it", () => {
    const attempt = () => connect({ account: 'acct_1X' }, 'pk_live_hunter2');
    expect(attempt).toThrow(AdminCredentialError);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('falls back to assisted rotation when the secret names no admin credential (no Stripe App)', () => {
    const registry = createRegistry([stripe]);
    const withoutApp = resolveAssistedRotation(registry, 'payments-api', { 'rotor:provider': 'stripe' });
    const withApp = resolveAssistedRotation(registry, 'payments-api', {
      'rotor:provider': 'stripe',
      'rotor:admin-secret': 'rotor/admin/stripe-app',
    });
    expect(withoutApp?.guide.verifiable).toBe(true);
    expect(withApp).toBeUndefined();
  });
});
