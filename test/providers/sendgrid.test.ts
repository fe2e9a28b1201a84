import { afterEach, describe, expect, it } from 'vitest';
import { AdminCredentialError, ManagedSecretConfigError } from '../../lambdas/domain/errors';
import { ProviderPermissionError } from '../../lambdas/providers/errors';
import { sendgrid } from '../../lambdas/providers/sendgrid';
import { startSendGridFake } from './fakes/sendgrid-fake';
import { describeAdapterConformance } from './support/conformance';
import type { ProviderFake } from './support/provider-fake';

describeAdapterConformance('SendGrid', async () => ({ adapter: sendgrid, fake: await startSendGridFake() }));

describe('SendGrid adapter', () => {
  let fake: (ProviderFake & Awaited<ReturnType<typeof startSendGridFake>>) | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const connect = (settings: Record<string, string>, adminCredential?: string) =>
    sendgrid.connect({
      settings,
      adminCredential: adminCredential ?? (fake?.adminCredential as string),
      endpointOverride: fake?.server.url,
      secretName: 'payments-api',
      http: { sleep: async () => undefined },
    });

  it('creates keys with the scopes from rotor:scopes and the admin key as bearer token', async () => {
    fake = await startSendGridFake();
    await connect({ scopes: 'mail.send, alerts.read' }).create({
      name: 'rotor-payments-api-1',
      expiresAt: new Date(),
    });
    const [request] = fake.server.requestsTo('POST', '/v3/api_keys');
    expect(request?.body).toEqual({ name: 'rotor-payments-api-1', scopes: ['mail.send', 'alerts.read'] });
    expect(request?.headers.authorization).toBe(`Bearer ${fake.adminCredential}`);
  });

  it('refuses to create a key without scopes, since SendGrid would grant full access', async () => {
    fake = await startSendGridFake();
    await expect(connect({}).create({ name: 'rotor-payments-api-1', expiresAt: new Date() })).rejects.toThrow(
      ManagedSecretConfigError,
    );
    expect(fake.server.requests).toHaveLength(0);
  });

  it("maps SendGrid's 100-key limit to ProviderPermissionError", async () => {
    fake = await startSendGridFake();
    const connection = connect({ scopes: 'mail.send' });
    for (let i = 0; i < 100; i++) await connection.create({ name: `other-${i}`, expiresAt: new Date() });
    await expect(connection.create({ name: 'rotor-payments-api-1', expiresAt: new Date() })).rejects.toThrow(
      ProviderPermissionError,
    );
  });

  it('sends on-behalf-of when a subuser is configured', async () => {
    fake = await startSendGridFake();
    await connect({ scopes: 'mail.send', 'on-behalf-of': 'subuser-a' }).listOwnKeys('rotor-');
    expect(fake.server.requests[0]?.headers['on-behalf-of']).toBe('subuser-a');
  });

  it('accepts the admin credential as a plain key or as JSON with apiKey', async () => {
    fake = await startSendGridFake();
    const json = JSON.stringify({ apiKey: fake.adminCredential });
    await expect(connect({ scopes: 'mail.send' }, json).listOwnKeys('rotor-')).resolves.toEqual([]);
  });

  it('rejects an admin credential that is not a SendGrid key, without quoting it', () => {
    const attempt = () =>
      sendgrid.connect({ settings: {}, adminCredential: 'hunter2-not-a-key', secretName: 'payments-api' });
    expect(attempt).toThrow(AdminCredentialError);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('lets a tag choose only an official host: global or eu', async () => {
    const euConnection = () =>
      sendgrid.connect({
        settings: { region: 'eu', scopes: 'mail.send' },
        adminCredential: 'SG.abc.def',
        secretName: 'payments-api',
      });
    expect(euConnection).not.toThrow();
    const elsewhere = () =>
      sendgrid.connect({
        settings: { region: 'https://attacker.example' },
        adminCredential: 'SG.abc.def',
        secretName: 'payments-api',
      });
    expect(elsewhere).toThrow(/rotor:region must be one of: global, eu/);
  });
});
