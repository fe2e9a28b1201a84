import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminCredentialError, ManagedSecretConfigError } from '../../lambdas/domain/errors';
import { ProviderAuthError, ProviderRejectedError } from '../../lambdas/providers/errors';
import type { StoredCredential } from '../../lambdas/providers/provider';
import { twilio } from '../../lambdas/providers/twilio';
import { startTwilioFake, type TwilioFake } from './fakes/twilio-fake';
import { describeAdapterConformance } from './support/conformance';
import { basicAuth, type RecordedRequest } from './support/fake-http-server';

describeAdapterConformance('Twilio', async () => ({ adapter: twilio, fake: await startTwilioFake() }));
describeAdapterConformance('Twilio (Main key as admin credential)', async () => ({
  adapter: twilio,
  fake: await startTwilioFake({ mainKey: true }),
}));

describe('Twilio adapter', () => {
  let fake: TwilioFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
    vi.unstubAllGlobals();
  });

  const context = (settings: Record<string, string> = {}) => ({
    settings,
    endpointOverride: fake?.server.url,
    secretName: 'payments-api',
    http: { sleep: async () => undefined },
  });
  const connect = (settings: Record<string, string> = {}, adminCredential?: string) =>
    twilio.connect({
      ...context(settings),
      adminCredential: adminCredential ?? (fake?.adminCredential as string),
    });
  const mint = (settings: Record<string, string> = {}) =>
    connect(settings).create({ name: 'rotor-payments-api-1', expiresAt: new Date() });
  const stored = (minted: Awaited<ReturnType<typeof mint>>): StoredCredential => ({
    ...minted.publicFields,
    ...minted.credential,
    keyId: minted.keyId,
  });

  /** The Policy form field of a recorded create request, parsed. */
  const policyOf = (request: RecordedRequest | undefined): unknown =>
    JSON.parse(String((request?.body as Record<string, unknown> | undefined)?.Policy));

  it('stores the two-part credential: the secret as apiKey and the SID, account and region beside it', async () => {
    fake = await startTwilioFake();
    const minted = await mint();
    const key = fake.keys.get(minted.keyId);
    expect(minted.keyId).toMatch(/^SK[0-9a-f]{32}$/);
    expect(minted.credential).toEqual({ apiKey: key?.secret });
    expect(minted.publicFields).toEqual({
      apiKeySid: minted.keyId,
      accountSid: fake.accountSid,
      region: 'us1',
    });
  });

  it('verifies with the key SID as basic-auth user and the secret as password, no admin credential', async () => {
    fake = await startTwilioFake();
    const minted = await mint();
    await twilio.verify(stored(minted), context());
    const [request] = fake.server.requests.filter(fake.isVerify);
    expect(basicAuth(request as RecordedRequest)).toEqual({
      user: minted.keyId,
      password: minted.credential.apiKey,
    });
    expect(request?.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Usage/Records.json`);
  });

  it('reports a key that has not propagated yet as ProviderAuthError, so the rotation retries', async () => {
    fake = await startTwilioFake({ propagationRefusals: 1 });
    const minted = await mint();
    await expect(twilio.verify(stored(minted), context())).rejects.toBeInstanceOf(ProviderAuthError);
    await expect(twilio.verify(stored(minted), context())).resolves.toBeUndefined();
  });

  it('creates keys with a form-encoded AccountSid and FriendlyName, authenticated by the auth token', async () => {
    fake = await startTwilioFake();
    await mint();
    const [request] = fake.server.requestsTo('POST', '/v1/Keys');
    expect(request?.contentType).toContain('application/x-www-form-urlencoded');
    expect(request?.body).toEqual({ AccountSid: fake.accountSid, FriendlyName: 'rotor-payments-api-1' });
    expect(basicAuth(request as RecordedRequest)?.user).toBe(fake.accountSid);
  });

  it('creates a restricted key with KeyType and a Policy built from rotor:policy', async () => {
    fake = await startTwilioFake();
    const minted = await mint({
      'key-type': 'restricted',
      policy: '/twilio/messaging/messages/read, /twilio/messaging/messages/create',
    });
    const [request] = fake.server.requestsTo('POST', '/v1/Keys');
    expect(request?.body).toMatchObject({ KeyType: 'restricted' });
    expect(policyOf(request)).toEqual({
      allow: ['/twilio/messaging/messages/read', '/twilio/messaging/messages/create'],
    });
    expect(minted.publicFields?.keyType).toBe('restricted');
    expect(fake.keys.get(minted.keyId)?.keyType).toBe('restricted');
  });

  it('accepts rotor:policy as Twilio policy JSON', async () => {
    fake = await startTwilioFake();
    await mint({ 'key-type': 'restricted', policy: '{"allow":["/twilio/voice/calls/read"]}' });
    const [request] = fake.server.requestsTo('POST', '/v1/Keys');
    expect(policyOf(request)).toEqual({
      allow: ['/twilio/voice/calls/read'],
    });
  });

  it('refuses a restricted key without a policy, naming rotor:policy', () => {
    expect(() =>
      twilio.connect({
        settings: { 'key-type': 'restricted' },
        adminCredential: JSON.stringify({ accountSid: `AC${'a'.repeat(32)}`, authToken: 'x' }),
        secretName: 'payments-api',
      }),
    ).toThrow(/rotor:policy is missing/);
  });

  it('refuses a restricted key outside us1, where Twilio does not offer them', () => {
    expect(() =>
      twilio.connect({
        settings: { 'key-type': 'restricted', policy: '/twilio/voice/calls/read', region: 'ie1' },
        adminCredential: JSON.stringify({ accountSid: `AC${'a'.repeat(32)}`, authToken: 'x' }),
        secretName: 'payments-api',
      }),
    ).toThrow(ManagedSecretConfigError);
  });

  it('follows next_page_url when listing, staying on the host Rotor chose', async () => {
    fake = await startTwilioFake({ maxPageSize: 2 });
    const connection = connect();
    const names = [
      'rotor-payments-api-1',
      'other',
      'rotor-payments-api-2',
      'other-2',
      'rotor-payments-api-3',
    ];
    for (const name of names) await connection.create({ name, expiresAt: new Date() });
    const listed = await connection.listOwnKeys('rotor-payments-api-');
    expect(listed.map((key) => key.name).sort()).toEqual([
      'rotor-payments-api-1',
      'rotor-payments-api-2',
      'rotor-payments-api-3',
    ]);
    expect(fake.server.requests.filter(fake.isList)).toHaveLength(3);
    expect(listed[0]?.createdAt).toBeInstanceOf(Date);
  });

  it('backs off from a 2 s base on a 429, since Twilio sends no wait hint', async () => {
    fake = await startTwilioFake();
    const sleeps: number[] = [];
    const connection = twilio.connect({
      ...context(),
      adminCredential: fake.adminCredential,
      http: { sleep: async (ms) => void sleeps.push(ms), random: () => 1 },
    });
    fake.server.failNext({ reply: fake.rateLimitReply(1), when: fake.isList });
    await connection.listOwnKeys('rotor-');
    expect(sleeps).toEqual([2_000]);
  });

  it('refuses a FriendlyName over 64 characters before calling Twilio', async () => {
    fake = await startTwilioFake();
    await expect(
      connect().create({ name: `rotor-${'x'.repeat(60)}`, expiresAt: new Date() }),
    ).rejects.toThrow(ProviderRejectedError);
    expect(fake.server.requests).toHaveLength(0);
  });

  it('refuses to revoke an id that is not a key SID, without a request', async () => {
    fake = await startTwilioFake();
    await expect(connect().revoke('../Accounts')).rejects.toThrow(ProviderRejectedError);
    expect(fake.server.requests).toHaveLength(0);
  });

  it('rejects an admin credential that is not JSON, without quoting it', () => {
    const attempt = () =>
      twilio.connect({ settings: {}, adminCredential: 'ACabc:hunter2', secretName: 'payments-api' });
    expect(attempt).toThrow(AdminCredentialError);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('rejects an admin credential with neither an auth token nor a Main key', () => {
    const adminCredential = JSON.stringify({ accountSid: `AC${'a'.repeat(32)}`, apiKeySecret: 'hunter2' });
    const attempt = () => twilio.connect({ settings: {}, adminCredential, secretName: 'payments-api' });
    expect(attempt).toThrow(AdminCredentialError);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('lets rotor:region choose only an official region: us1, ie1 or au1', () => {
    const adminCredential = JSON.stringify({ accountSid: `AC${'a'.repeat(32)}`, authToken: 'x' });
    const regional = (region: string) => () =>
      twilio.connect({ settings: { region }, adminCredential, secretName: 'payments-api' });
    expect(regional('au1')).not.toThrow();
    expect(regional('https://attacker.example')).toThrow(/rotor:region must be one of: us1, ie1, au1/);
  });

  it.each([
    ['us1', 'https://iam.twilio.com/v1/Keys', 'https://api.twilio.com/2010-04-01/'],
    ['ie1', 'https://iam.dublin.ie1.twilio.com/v1/Keys', 'https://api.dublin.ie1.twilio.com/2010-04-01/'],
    ['au1', 'https://iam.sydney.au1.twilio.com/v1/Keys', 'https://api.sydney.au1.twilio.com/2010-04-01/'],
  ])('sends %s requests to that region’s official hosts', async (region, iam, api) => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify({ keys: [], meta: { next_page_url: null } }), { status: 200 });
    });
    const accountSid = `AC${'a'.repeat(32)}`;
    const settings = { region };
    await twilio
      .connect({ settings, adminCredential: JSON.stringify({ accountSid, authToken: 'x' }), secretName: 's' })
      .listOwnKeys('rotor-');
    await twilio.verify(
      { apiKey: 'secret', keyId: `SK${'b'.repeat(32)}`, accountSid },
      { settings, secretName: 's' },
    );
    expect(urls[0]?.startsWith(iam)).toBe(true);
    expect(urls[1]?.startsWith(api)).toBe(true);
  });
});
