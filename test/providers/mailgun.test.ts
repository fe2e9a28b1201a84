import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminCredentialError } from '../../lambdas/domain/errors';
import { ProviderAuthError, ProviderPermissionError } from '../../lambdas/providers/errors';
import { mailgun, PROVIDER_EXPIRY_MARGIN_MS } from '../../lambdas/providers/mailgun';
import { startMailgunFake } from './fakes/mailgun-fake';
import { describeAdapterConformance } from './support/conformance';

describeAdapterConformance('Mailgun', async () => ({ adapter: mailgun, fake: await startMailgunFake() }));

type MailgunFake = Awaited<ReturnType<typeof startMailgunFake>>;
const DAY = 86_400_000;
const SENDING = { role: 'sending', kind: 'domain', domain: 'mg.example.com' };

describe('Mailgun adapter', () => {
  let fake: MailgunFake | undefined;
  afterEach(async () => {
    vi.unstubAllGlobals();
    await fake?.close();
    fake = undefined;
  });

  const context = (settings: Record<string, string> = {}) => ({
    settings: { role: 'basic', ...settings },
    endpointOverride: fake?.server.url,
    secretName: 'mail-api',
    http: { sleep: async () => undefined },
  });
  const connect = (settings: Record<string, string> = {}, adminCredential?: string) =>
    mailgun.connect({
      ...context(settings),
      adminCredential: adminCredential ?? (fake?.adminCredential as string),
    });

  it('creates keys as multipart/form-data with the role, kind and name, authenticated as api:<admin key>', async () => {
    fake = await startMailgunFake();
    await connect({ role: 'developer' }).create({
      name: 'rotor-mail-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    const [request] = fake.server.requestsTo('POST', '/v1/keys');
    expect(request?.contentType).toMatch(/^multipart\/form-data/);
    expect(request?.body).toMatchObject({ role: 'developer', kind: 'user', description: 'rotor-mail-api-1' });
    const auth = Buffer.from(
      String(request?.headers.authorization).replace('Basic ', ''),
      'base64',
    ).toString();
    expect(auth).toBe(`api:${fake.adminCredential}`);
  });

  it('sets expiration so that the key expires one margin after Rotor retires it', async () => {
    fake = await startMailgunFake();
    const expiresAt = new Date(Date.now() + 30 * DAY);
    const minted = await connect().create({ name: 'rotor-mail-api-1', expiresAt });
    const expiration = Number(
      (fake.server.requestsTo('POST', '/v1/keys')[0]?.body as { expiration: string } | undefined)?.expiration,
    );
    expect(Math.abs(expiration - (30 * DAY + PROVIDER_EXPIRY_MARGIN_MS) / 1000)).toBeLessThan(5);
    // The answer's expires_at (UTC without an offset) is what Rotor reports.
    expect(
      Math.abs(
        (minted.providerExpiresAt?.getTime() ?? 0) - (expiresAt.getTime() + PROVIDER_EXPIRY_MARGIN_MS),
      ),
    ).toBeLessThan(5_000);
  });

  it('mints a domain sending key for rotor:domain and verifies it with an empty message that sends nothing', async () => {
    fake = await startMailgunFake();
    const minted = await connect(SENDING).create({
      name: 'rotor-mail-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    expect(fake.server.requestsTo('POST', '/v1/keys')[0]?.body).toMatchObject({
      role: 'sending',
      kind: 'domain',
      domain_name: 'mg.example.com',
    });
    expect(minted.publicFields).toEqual({ region: 'us', domain: 'mg.example.com' });
    await expect(
      mailgun.verify({ ...minted.credential, keyId: minted.keyId }, context(SENDING)),
    ).resolves.toBeUndefined();
    expect(fake.server.requestsTo('POST', '/v3/mg.example.com/messages')).toHaveLength(1);
  });

  it('fails verification of a sending key against another domain', async () => {
    fake = await startMailgunFake();
    const minted = await connect(SENDING).create({
      name: 'rotor-mail-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    await expect(
      mailgun.verify(
        { ...minted.credential, keyId: minted.keyId },
        context({ ...SENDING, domain: 'other.example.com' }),
      ),
    ).rejects.toBeInstanceOf(ProviderAuthError);
  });

  it('lists only keys of its own kind and domain', async () => {
    fake = await startMailgunFake();
    await connect(SENDING).create({ name: 'rotor-mail-api-1', expiresAt: new Date(Date.now() + DAY) });
    await connect({ role: 'basic' }).create({
      name: 'rotor-mail-api-2',
      expiresAt: new Date(Date.now() + DAY),
    });
    const listed = await connect(SENDING).listOwnKeys('rotor-mail-api-');
    expect(listed.map((key) => key.name)).toEqual(['rotor-mail-api-1']);
    expect(fake.server.requestsTo('GET', '/v1/keys')[0]?.query.get('domain_name')).toBe('mg.example.com');
  });

  it("maps Mailgun's account-limit 403 to ProviderPermissionError", async () => {
    fake = await startMailgunFake();
    fake.server.failNext({
      reply: { status: 403, body: { message: 'could not create key, account limit reached' } },
      when: fake.isCreate,
    });
    await expect(
      connect().create({ name: 'rotor-mail-api-1', expiresAt: new Date(Date.now() + DAY) }),
    ).rejects.toBeInstanceOf(ProviderPermissionError);
  });

  it('sends every request to the EU host when rotor:region is eu, and records the region', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify({ message: 'ok', key: { id: 'k1', secret: 's'.repeat(40) } }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    });
    const connection = mailgun.connect({
      settings: { role: 'basic', region: 'eu' },
      adminCredential: 'a'.repeat(32),
      secretName: 'mail-api',
    });
    const minted = await connection.create({
      name: 'rotor-mail-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    await connection.revoke('k1');
    await mailgun.verify(
      { apiKey: 's'.repeat(40), keyId: 'k1' },
      { settings: { role: 'basic', region: 'eu' }, secretName: 'mail-api' },
    );
    expect(urls.map((url) => new URL(url).origin)).toEqual([
      'https://api.eu.mailgun.net',
      'https://api.eu.mailgun.net',
      'https://api.eu.mailgun.net',
    ]);
    expect(minted.publicFields?.region).toBe('eu');
  });

  it('lets a tag choose only an official host: us or eu', () => {
    expect(() =>
      mailgun.connect({
        ...context({ region: 'https://attacker.example' }),
        adminCredential: 'a'.repeat(32),
        endpointOverride: undefined,
      }),
    ).toThrow(/rotor:region must be one of: us, eu/);
  });

  it('requires rotor:role, and sending exactly with domain keys', () => {
    const attempt = (settings: Record<string, string>) => () =>
      mailgun.connect({ settings, adminCredential: 'a'.repeat(32), secretName: 'mail-api' });
    expect(attempt({})).toThrow(/rotor:role is missing/);
    expect(attempt({ role: 'owner' })).toThrow(/rotor:role must be one of/);
    expect(attempt({ role: 'sending' })).toThrow(/must be "sending" exactly when rotor:kind is "domain"/);
    expect(attempt({ role: 'sending', kind: 'domain' })).toThrow(/rotor:domain is missing/);
    expect(attempt({ role: 'sending', kind: 'domain', domain: 'mg.example.com/../v1/keys' })).toThrow(
      /rotor:domain is not a domain name/,
    );
  });

  it('rejects an admin credential that is not a Mailgun key, without quoting it', () => {
    const attempt = () => mailgun.connect({ ...context(), adminCredential: 'hunter2 is no key' });
    expect(attempt).toThrow(AdminCredentialError);
    expect(attempt).not.toThrow(/hunter2/);
  });
});
