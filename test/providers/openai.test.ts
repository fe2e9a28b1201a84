import { afterEach, describe, expect, it } from 'vitest';
import { AdminCredentialError, ManagedSecretConfigError } from '../../lambdas/domain/errors';
import {
  OPENAI_EXPIRY_MARGIN_MS,
  OPENAI_MAX_EXPIRES_IN_SECONDS,
  openai,
} from '../../lambdas/providers/openai';
import { OPENAI_FAKE_PROJECT, startOpenAIFake } from './fakes/openai-fake';
import { describeAdapterConformance } from './support/conformance';

describeAdapterConformance('OpenAI', async () => ({ adapter: openai, fake: await startOpenAIFake() }));

const DAY = 24 * 3600 * 1000;

const sentExpiry = (fake: Awaited<ReturnType<typeof startOpenAIFake>>) =>
  (fake.server.requests[0]?.body as { expires_in_seconds?: number } | undefined)?.expires_in_seconds ?? 0;

describe('OpenAI adapter', () => {
  let fake: Awaited<ReturnType<typeof startOpenAIFake>> | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const connect = (settings: Record<string, string> = { project: OPENAI_FAKE_PROJECT }, admin?: string) =>
    openai.connect({
      settings,
      adminCredential: admin ?? (fake?.adminCredential as string),
      endpointOverride: fake?.server.url,
      secretName: 'payments-api',
      http: { sleep: async () => undefined },
    });

  it('makes one service account per key, named as Rotor names the key, with the admin key as bearer', async () => {
    fake = await startOpenAIFake();
    const minted = await connect().create({
      name: 'rotor-payments-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    const [request] = fake.server.requestsTo(
      'POST',
      `/organization/projects/${OPENAI_FAKE_PROJECT}/service_accounts`,
    );
    expect(request?.headers.authorization).toBe(`Bearer ${fake.adminCredential}`);
    expect((request?.body as { name?: string } | undefined)?.name).toBe('rotor-payments-api-1');
    expect(minted.keyId).toMatch(/^svc_acct_/);
    expect(fake.accounts.get(minted.keyId)?.key.value).toBe(minted.credential.apiKey);
  });

  it('stores the project id and the key’s own key_ id beside the key, not as key material', async () => {
    fake = await startOpenAIFake();
    const minted = await connect().create({
      name: 'rotor-payments-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    expect(minted.publicFields).toEqual({
      projectId: OPENAI_FAKE_PROJECT,
      apiKeyId: fake.accounts.get(minted.keyId)?.key.id,
    });
    expect(Object.keys(minted.credential)).toEqual(['apiKey']);
  });

  it('sets provider-side expiry one day after Rotor’s expiry', async () => {
    fake = await startOpenAIFake();
    const expiresAt = new Date(Date.now() + 45 * DAY);
    const minted = await connect().create({ name: 'rotor-payments-api-1', expiresAt });
    const sent = sentExpiry(fake);
    expect(sent * 1000).toBeGreaterThanOrEqual(45 * DAY + OPENAI_EXPIRY_MARGIN_MS - 2_000);
    expect(sent * 1000).toBeLessThanOrEqual(45 * DAY + OPENAI_EXPIRY_MARGIN_MS + 2_000);
    const expected = expiresAt.getTime() + OPENAI_EXPIRY_MARGIN_MS;
    expect(Math.abs((minted.providerExpiresAt?.getTime() ?? 0) - expected)).toBeLessThan(2_000);
  });

  it('caps provider-side expiry at OpenAI’s one-year maximum', async () => {
    fake = await startOpenAIFake();
    await connect().create({ name: 'rotor-payments-api-1', expiresAt: new Date(Date.now() + 400 * DAY) });
    const sent = sentExpiry(fake);
    expect(sent).toBe(OPENAI_MAX_EXPIRES_IN_SECONDS);
  });

  it('revokes a key by deleting its service account, after which the key no longer verifies', async () => {
    fake = await startOpenAIFake();
    const connection = connect();
    const minted = await connection.create({
      name: 'rotor-payments-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    await connection.revoke(minted.keyId);
    expect(fake.server.requestsTo('DELETE', /\/service_accounts\/svc_acct_/)).toHaveLength(1);
    const credential = { ...minted.credential, keyId: minted.keyId };
    await expect(
      openai.verify(credential, {
        settings: {},
        endpointOverride: fake.server.url,
        secretName: 'payments-api',
      }),
    ).rejects.toThrow(/HTTP 401/);
  });

  it('follows the cursor through every page of service accounts', async () => {
    fake = await startOpenAIFake();
    const connection = connect();
    for (let i = 0; i < 105; i++) {
      await connection.create({ name: `other-${i}`, expiresAt: new Date(Date.now() + DAY) });
    }
    const own = await connection.create({
      name: 'rotor-payments-api-1',
      expiresAt: new Date(Date.now() + DAY),
    });
    const listed = await connection.listOwnKeys('rotor-payments-api-');
    expect(listed.map((key) => key.keyId)).toEqual([own.keyId]);
    expect(fake.server.requestsTo('GET', /\/service_accounts$/)).toHaveLength(2);
  });

  it('deletes a service account that came back without its API key, and says so', async () => {
    fake = await startOpenAIFake();
    fake.server.failNext({
      when: fake.isCreate,
      afterEffect: true,
      reply: {
        status: 200,
        body: { object: 'organization.project.service_account', id: 'svc_acct_x', api_key: null },
      },
    });
    fake.accounts.clear();
    await expect(
      connect().create({ name: 'rotor-payments-api-1', expiresAt: new Date(Date.now() + DAY) }),
    ).rejects.toThrow(/lacks api_key/);
    expect(
      fake.server.requestsTo('DELETE', '/organization/projects/proj_rotorTest01/service_accounts/svc_acct_x'),
    ).toHaveLength(1);
  });

  it('requires rotor:project and names the tag', () => {
    expect(() => connect({}, 'sk-admin-abc')).toThrow(ManagedSecretConfigError);
    expect(() => connect({}, 'sk-admin-abc')).toThrow(/rotor:project is missing/);
  });

  it('rejects an admin credential that is not an Admin API key, without quoting it', () => {
    const attempt = () => connect({ project: 'proj_x' }, 'sk-proj-hunter2');
    expect(attempt).toThrow(AdminCredentialError);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('lets a tag choose only the official host', () => {
    const elsewhere = () =>
      openai.connect({
        settings: { project: 'proj_x', region: 'https://attacker.example' },
        adminCredential: 'sk-admin-abc',
        secretName: 'payments-api',
      });
    expect(elsewhere).toThrow(/rotor:region must be one of: global/);
  });
});
