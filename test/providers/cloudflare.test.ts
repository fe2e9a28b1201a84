import { afterEach, describe, expect, it } from 'vitest';
import { AdminCredentialError } from '../../lambdas/domain/errors';
import { cloudflare, PROVIDER_EXPIRY_MARGIN_MS } from '../../lambdas/providers/cloudflare';
import { ProviderAuthError } from '../../lambdas/providers/errors';
import { CLOUDFLARE_ACCOUNT_ID, startCloudflareFake } from './fakes/cloudflare-fake';
import { describeAdapterConformance } from './support/conformance';

const ACCOUNT_SETTINGS = { 'token-owner': 'account', 'account-id': CLOUDFLARE_ACCOUNT_ID };

describeAdapterConformance('Cloudflare (user-owned tokens)', async () => ({
  adapter: cloudflare,
  fake: await startCloudflareFake(),
}));

describeAdapterConformance('Cloudflare (account-owned tokens)', async () => {
  const fake = await startCloudflareFake();
  return { adapter: cloudflare, fake: { ...fake, settings: { ...fake.settings, ...ACCOUNT_SETTINGS } } };
});

type CloudflareFake = Awaited<ReturnType<typeof startCloudflareFake>>;
const DAY = 86_400_000;

describe('Cloudflare adapter', () => {
  let fake: CloudflareFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const context = (settings: Record<string, string> = {}) => ({
    settings: { ...fake?.settings, ...settings },
    endpointOverride: fake?.server.url,
    secretName: 'dns-api',
    http: { sleep: async () => undefined },
  });
  const connect = (settings: Record<string, string> = {}, adminCredential?: string) =>
    cloudflare.connect({
      ...context(settings),
      adminCredential: adminCredential ?? (fake?.adminCredential as string),
    });

  it('creates a token with one allow policy built from rotor:permission-groups and rotor:resources', async () => {
    fake = await startCloudflareFake();
    await connect({
      'permission-groups': 'c8fed203ed3043cba015a93ad1616f1f 82e64a83756745bbbb1c9c2701bf816b',
      resources: 'com.cloudflare.api.account.zone.22b1de5f1c0e4b3ea97bb1e963b06a43',
    }).create({ name: 'rotor-dns-api-1', expiresAt: new Date(Date.now() + DAY) });
    const [request] = fake.server.requestsTo('POST', '/user/tokens');
    const body = request?.body as { name: string; policies: Array<Record<string, unknown>> };
    expect(body.name).toBe('rotor-dns-api-1');
    expect(body.policies).toHaveLength(1);
    expect(body.policies[0]).toMatchObject({
      effect: 'allow',
      permission_groups: [
        { id: 'c8fed203ed3043cba015a93ad1616f1f' },
        { id: '82e64a83756745bbbb1c9c2701bf816b' },
      ],
      resources: { 'com.cloudflare.api.account.zone.22b1de5f1c0e4b3ea97bb1e963b06a43': '*' },
    });
    expect(request?.headers.authorization).toBe(`Bearer ${fake.adminCredential}`);
  });

  it('sets expires_on one margin after Rotor’s expiry, to the second, and reports it as providerExpiresAt', async () => {
    fake = await startCloudflareFake();
    const expiresAt = new Date('2027-01-18T19:00:00.250Z');
    const minted = await connect().create({ name: 'rotor-dns-api-1', expiresAt });
    const sent =
      (fake.server.requestsTo('POST', '/user/tokens')[0]?.body as { expires_on: string } | undefined)
        ?.expires_on ?? '';
    expect(sent).toBe(
      new Date(expiresAt.getTime() + PROVIDER_EXPIRY_MARGIN_MS).toISOString().replace('.250Z', 'Z'),
    );
    expect(minted.providerExpiresAt?.toISOString()).toBe(new Date(sent).toISOString());
  });

  it('lets the token die at the provider once expires_on passes, even if Rotor never revokes it', async () => {
    fake = await startCloudflareFake();
    const minted = await connect().create({ name: 'rotor-dns-api-1', expiresAt: new Date(Date.now() + DAY) });
    const credential = { ...minted.credential, keyId: minted.keyId };
    await expect(cloudflare.verify(credential, context())).resolves.toBeUndefined();
    fake.advance(DAY + PROVIDER_EXPIRY_MARGIN_MS + 1_000);
    await expect(cloudflare.verify(credential, context())).rejects.toBeInstanceOf(ProviderAuthError);
  });

  it('refuses a verify answer whose token status is not active', async () => {
    fake = await startCloudflareFake();
    fake.server.failNext({
      reply: {
        status: 200,
        body: {
          success: true,
          errors: [],
          messages: [],
          result: { id: 'ed17574386854bf78a67040be0a770b0', status: 'disabled' },
        },
      },
      when: fake.isVerify,
    });
    await expect(
      cloudflare.verify({ apiKey: 'x'.repeat(40), keyId: 'ed17574386854bf78a67040be0a770b0' }, context()),
    ).rejects.toThrow(/token is not active/);
  });

  it('manages account-owned tokens under /accounts/{account_id}/tokens and verifies them there', async () => {
    fake = await startCloudflareFake();
    const connection = connect(ACCOUNT_SETTINGS);
    const minted = await connection.create({
      name: 'rotor-dns-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    await cloudflare.verify({ ...minted.credential, keyId: minted.keyId }, context(ACCOUNT_SETTINGS));
    await connection.revoke(minted.keyId);
    const base = `/accounts/${CLOUDFLARE_ACCOUNT_ID}/tokens`;
    expect(fake.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${base}`,
      `GET ${base}/verify`,
      `DELETE ${base}/${minted.keyId}`,
    ]);
  });

  it('never rolls a token: revoking deletes it and leaves other tokens’ values alone', async () => {
    fake = await startCloudflareFake();
    const connection = connect();
    const old = await connection.create({ name: 'rotor-dns-api-1', expiresAt: new Date(Date.now() + DAY) });
    const next = await connection.create({ name: 'rotor-dns-api-2', expiresAt: new Date(Date.now() + DAY) });
    await connection.revoke(old.keyId);
    expect(fake.server.requests.some((r) => r.method === 'PUT' || r.path.endsWith('/value'))).toBe(false);
    await expect(
      cloudflare.verify({ ...next.credential, keyId: next.keyId }, context()),
    ).resolves.toBeUndefined();
  });

  it('follows the pages of the token list', async () => {
    fake = await startCloudflareFake();
    const connection = connect();
    for (let i = 0; i < 55; i++) {
      await connection.create({ name: `rotor-dns-api-${i}`, expiresAt: new Date(Date.now() + DAY) });
    }
    await expect(connection.listOwnKeys('rotor-dns-api-')).resolves.toHaveLength(55);
    expect(fake.server.requests.filter(fake.isList).map((r) => r.query.get('page'))).toEqual(['1', '2']);
  });

  it('rejects an account id that is not a Cloudflare identifier, naming the tag', () => {
    expect(() => connect({ 'token-owner': 'account', 'account-id': '../user' }, 'a'.repeat(40))).toThrow(
      /rotor:account-id must be 32 hex digits/,
    );
    expect(() => connect({ 'token-owner': 'account' }, 'a'.repeat(40))).toThrow(
      /rotor:account-id is missing/,
    );
    expect(() => connect({ 'token-owner': 'team' }, 'a'.repeat(40))).toThrow(
      /rotor:token-owner must be one of/,
    );
  });

  it('refuses to create a token without permission groups or resources, before any request', async () => {
    fake = await startCloudflareFake();
    const create = (settings: Record<string, string>) =>
      connect(settings).create({ name: 'rotor-dns-api-1', expiresAt: new Date(Date.now() + DAY) });
    await expect(create({ 'permission-groups': '' })).rejects.toThrow(/rotor:permission-groups is missing/);
    await expect(create({ resources: '' })).rejects.toThrow(/rotor:resources is missing/);
    await expect(create({ resources: 'evil' })).rejects.toThrow(/rotor:resources must be/);
    expect(fake.server.requests).toHaveLength(0);
  });

  it('rejects an admin credential that is not a Cloudflare token, without quoting it', () => {
    const attempt = () => cloudflare.connect({ ...context(), adminCredential: 'hunter2 is not a token' });
    expect(attempt).toThrow(AdminCredentialError);
    expect(attempt).not.toThrow(/hunter2/);
  });
});
