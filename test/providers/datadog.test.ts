import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminCredentialError, ManagedSecretConfigError } from '../../lambdas/domain/errors';
import { datadog } from '../../lambdas/providers/datadog';
import { ProviderPermissionError, ProviderResponseError } from '../../lambdas/providers/errors';
import type { StoredCredential } from '../../lambdas/providers/provider';
import { type DatadogFake, startDatadogFake } from './fakes/datadog-fake';
import { describeAdapterConformance } from './support/conformance';

describeAdapterConformance('Datadog (API keys)', async () => ({
  adapter: datadog,
  fake: await startDatadogFake(),
}));
describeAdapterConformance('Datadog (service-account application keys)', async () => ({
  adapter: datadog,
  fake: await startDatadogFake({ keyType: 'application' }),
}));

describe('Datadog adapter', () => {
  let fake: DatadogFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
    vi.unstubAllGlobals();
  });

  const context = (settings: Record<string, string> = fake?.settings ?? {}) => ({
    settings,
    endpointOverride: fake?.server.url,
    secretName: 'payments-api',
    http: { sleep: async () => undefined },
  });
  const connect = (settings?: Record<string, string>, adminCredential?: string) =>
    datadog.connect({
      ...context(settings),
      adminCredential: adminCredential ?? (fake?.adminCredential as string),
    });
  const mint = (settings?: Record<string, string>, adminCredential?: string) =>
    connect(settings, adminCredential).create({ name: 'rotor-payments-api-1', expiresAt: new Date() });
  const stored = (minted: Awaited<ReturnType<typeof mint>>): StoredCredential => ({
    ...minted.publicFields,
    ...minted.credential,
    keyId: minted.keyId,
  });
  const admin = JSON.stringify({ apiKey: 'a'.repeat(32), appKey: 'b'.repeat(40) });

  it('creates an API key with a JSON:API body, authenticated by the admin API and application keys', async () => {
    fake = await startDatadogFake();
    const minted = await mint();
    const [request] = fake.server.requestsTo('POST', '/api/v2/api_keys');
    expect(request?.body).toEqual({
      data: { type: 'api_keys', attributes: { name: 'rotor-payments-api-1' } },
    });
    expect(request?.headers['dd-api-key']).toBe(fake.adminApiKey);
    expect(request?.headers['dd-application-key']).toBeDefined();
    expect(minted.credential).toEqual({ apiKey: fake.keys.get(minted.keyId)?.key });
    expect(minted.publicFields).toEqual({ site: 'datadoghq.com' });
  });

  it('verifies an API key through /api/v1/validate with the key alone', async () => {
    fake = await startDatadogFake();
    const minted = await mint();
    await datadog.verify(stored(minted), context());
    const [request] = fake.server.requestsTo('GET', '/api/v1/validate');
    expect(request?.headers['dd-api-key']).toBe(minted.credential.apiKey);
    expect(request?.headers['dd-application-key']).toBeUndefined();
  });

  it('creates a service-account application key with rotor:scopes', async () => {
    fake = await startDatadogFake({ keyType: 'application' });
    await mint({ ...fake.settings, scopes: 'dashboards_read, metrics_read' });
    const [request] = fake.server.requests.filter(fake.isCreate);
    expect(request?.path).toBe(`/api/v2/service_accounts/${fake.serviceAccountId}/application_keys`);
    expect(request?.body).toEqual({
      data: {
        type: 'application_keys',
        attributes: { name: 'rotor-payments-api-1', scopes: ['dashboards_read', 'metrics_read'] },
      },
    });
  });

  it('stores an application key as apiKey and applicationKey, with the API key it pairs with', async () => {
    fake = await startDatadogFake({ keyType: 'application' });
    const minted = await mint();
    const appKey = fake.keys.get(minted.keyId)?.key;
    expect(minted.credential).toEqual({
      apiKey: appKey,
      applicationKey: appKey,
      datadogApiKey: fake.adminApiKey,
    });
    expect(minted.publicFields).toEqual({ site: 'datadoghq.com', serviceAccountId: fake.serviceAccountId });
  });

  it('pairs new application keys with pairedApiKey when the admin credential names one', async () => {
    fake = await startDatadogFake({ keyType: 'application' });
    const paired = 'c'.repeat(32);
    const credential = JSON.stringify({ ...JSON.parse(fake.adminCredential), pairedApiKey: paired });
    const minted = await mint(fake.settings, credential);
    expect(minted.credential.datadogApiKey).toBe(paired);
  });

  it('verifies an application key through /api/v2/validate_keys with the stored pair', async () => {
    fake = await startDatadogFake({ keyType: 'application' });
    const minted = await mint();
    await datadog.verify(stored(minted), context());
    const [request] = fake.server.requestsTo('GET', '/api/v2/validate_keys');
    expect(request?.headers['dd-api-key']).toBe(fake.adminApiKey);
    expect(request?.headers['dd-application-key']).toBe(minted.credential.apiKey);
  });

  it('reports a key that has not propagated yet as a 403, so the rotation retries', async () => {
    fake = await startDatadogFake({ propagationRefusals: 1 });
    const minted = await mint();
    await expect(datadog.verify(stored(minted), context())).rejects.toBeInstanceOf(ProviderPermissionError);
    await expect(datadog.verify(stored(minted), context())).resolves.toBeUndefined();
  });

  it('does not take a 200 without valid: true as a verified key', async () => {
    fake = await startDatadogFake();
    const minted = await mint();
    fake.server.failNext({ reply: { status: 200, body: { valid: false } }, when: fake.isVerify });
    await expect(datadog.verify(stored(minted), context())).rejects.toBeInstanceOf(ProviderResponseError);
  });

  it('pages through more than 100 keys when listing its own', async () => {
    fake = await startDatadogFake();
    const connection = connect();
    for (let i = 0; i < 101; i++)
      await connection.create({ name: `rotor-payments-api-${i}`, expiresAt: new Date() });
    const listed = await connection.listOwnKeys('rotor-payments-api-');
    expect(listed).toHaveLength(101);
    const pages = fake.server.requests.filter(fake.isList).map((r) => r.query.get('page[number]'));
    expect(pages).toEqual(['0', '1']);
    expect(fake.server.requests.filter(fake.isList)[0]?.query.get('filter')).toBe('rotor-payments-api-');
  });

  it('requires rotor:service-account-id for application keys', () => {
    const attempt = () =>
      datadog.connect({
        settings: { 'key-type': 'application' },
        adminCredential: admin,
        secretName: 'payments-api',
      });
    expect(attempt).toThrow(/rotor:service-account-id is missing/);
  });

  it('refuses rotor:scopes on API keys, which have none', () => {
    const attempt = () =>
      datadog.connect({
        settings: { scopes: 'metrics_read' },
        adminCredential: admin,
        secretName: 'payments-api',
      });
    expect(attempt).toThrow(ManagedSecretConfigError);
  });

  it('rejects an admin credential without both keys, without quoting it', () => {
    const attempt = () =>
      datadog.connect({
        settings: {},
        adminCredential: JSON.stringify({ apiKey: 'hunter2hunter2hunter2' }),
        secretName: 'payments-api',
      });
    expect(attempt).toThrow(AdminCredentialError);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('refuses a site that is not a Datadog site, even behind an endpoint override', () => {
    const attempt = (endpointOverride?: string) => () =>
      datadog.connect({
        settings: { site: 'attacker.example' },
        adminCredential: admin,
        secretName: 'payments-api',
        endpointOverride,
      });
    expect(attempt()).toThrow(
      /rotor:site must be one of: us1, us3, us5, eu1, eu, ap1, ap2, uk1, us1-fed, us2-fed/,
    );
    expect(attempt('http://127.0.0.1:1')).toThrow(ManagedSecretConfigError);
  });

  it.each([
    ['us1', 'https://api.datadoghq.com', 'datadoghq.com'],
    ['us3', 'https://api.us3.datadoghq.com', 'us3.datadoghq.com'],
    ['us5', 'https://api.us5.datadoghq.com', 'us5.datadoghq.com'],
    ['eu1', 'https://api.datadoghq.eu', 'datadoghq.eu'],
    ['EU', 'https://api.datadoghq.eu', 'datadoghq.eu'],
    ['ap1', 'https://api.ap1.datadoghq.com', 'ap1.datadoghq.com'],
    ['ap2', 'https://api.ap2.datadoghq.com', 'ap2.datadoghq.com'],
    ['uk1', 'https://api.uk1.datadoghq.com', 'uk1.datadoghq.com'],
    ['us1-fed', 'https://api.ddog-gov.com', 'ddog-gov.com'],
    ['us2-fed', 'https://api.us2.ddog-gov.com', 'us2.ddog-gov.com'],
  ])('sends site %s to %s and stores site %s', async (site, host, ddSite) => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      urls.push(url);
      const body =
        init.method === 'POST'
          ? { data: { id: 'key-id', type: 'api_keys', attributes: { key: 'k'.repeat(32), name: 'n' } } }
          : { valid: true };
      return new Response(JSON.stringify(body), { status: init.method === 'POST' ? 201 : 200 });
    });
    const settings = { site };
    const minted = await datadog
      .connect({ settings, adminCredential: admin, secretName: 's' })
      .create({ name: 'rotor-s-1', expiresAt: new Date() });
    await datadog.verify({ apiKey: 'k'.repeat(32), keyId: 'key-id' }, { settings, secretName: 's' });
    expect(urls).toEqual([`${host}/api/v2/api_keys`, `${host}/api/v1/validate`]);
    expect(minted.publicFields?.site).toBe(ddSite);
  });
});
