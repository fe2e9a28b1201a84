import { ManagedSecretConfigError } from '../domain/errors';
import { parseSingleKeyCredential } from './admin-credential';
import { resolveEndpoint } from './endpoint';
import { ProviderResponseError } from './errors';
import { ProviderHttpClient, verificationClient } from './http-client';
import type {
  ConnectOptions,
  MintedKey,
  OwnedKey,
  ProviderAdapter,
  ProviderConnection,
  ProviderContext,
} from './provider';

/**
 * SendGrid API keys (v3 API Keys API).
 *
 * - Admin credential: a SendGrid API key with the `api_keys.create`,
 *   `api_keys.read` and `api_keys.delete` scopes, stored as the plain key
 *   (`SG.…`) or as JSON `{"apiKey":"SG.…"}`.
 * - Settings: `rotor:scopes` (comma- or space-separated scopes for new keys;
 *   SendGrid grants full access when none are sent, so Rotor requires them),
 *   `rotor:region` (`global`, the default, or `eu`), `rotor:on-behalf-of`
 *   (a subuser whose keys are managed).
 * - Consumers read `apiKey`. SendGrid keys do not expire by themselves: Rotor's
 *   enforcer is what retires them.
 */
const HOSTS = { global: 'https://api.sendgrid.com', eu: 'https://api.eu.sendgrid.com' } as const;

/** SendGrid documents no propagation delay; a short retry absorbs eventual consistency. */
const PROPAGATION = { attempts: 5, delayMs: 2_000 } as const;

export const sendgrid: ProviderAdapter = {
  id: 'sendgrid',
  displayName: 'SendGrid',
  mode: 'api',
  propagation: PROPAGATION,
  connect: (options) => new SendGridConnection(options),
  async verify(credential, context) {
    // GET /v3/scopes is the cheapest call any key may make: it lists the key's own scopes.
    const verifier = verificationClient(
      {
        provider: 'sendgrid',
        baseUrl: baseUrlFor(context),
        defaultHeaders: { authorization: `Bearer ${credential.apiKey}` },
      },
      context,
    );
    await verifier.request({ operation: 'verify key', method: 'GET', path: '/v3/scopes', idempotent: true });
  },
};

function baseUrlFor(context: ProviderContext): string {
  return resolveEndpoint({
    provider: 'sendgrid',
    secretName: context.secretName,
    officialHosts: HOSTS,
    defaultHost: 'global',
    setting: 'region',
    selected: context.settings.region,
    override: context.endpointOverride,
  });
}

interface CreatedKey {
  api_key?: unknown;
  api_key_id?: unknown;
  name?: unknown;
}

class SendGridConnection implements ProviderConnection {
  private readonly http: ProviderHttpClient;
  private readonly scopes: readonly string[];

  constructor(private readonly options: ConnectOptions) {
    const { settings } = options;
    this.scopes = (settings.scopes ?? '').split(/[\s,]+/).filter(Boolean);
    const onBehalfOf = settings['on-behalf-of'];
    this.http = new ProviderHttpClient({
      provider: 'sendgrid',
      baseUrl: baseUrlFor(options),
      defaultHeaders: {
        authorization: `Bearer ${parseAdminKey(options.adminCredential)}`,
        ...(onBehalfOf ? { 'on-behalf-of': onBehalfOf } : {}),
      },
      ...options.http,
    });
  }

  async create(request: { name: string }): Promise<MintedKey> {
    if (this.scopes.length === 0) {
      // SendGrid grants full access to a key created without scopes: never mint one by accident.
      throw new ManagedSecretConfigError(this.options.secretName, 'rotor:scopes', 'is missing');
    }
    const response = await this.http.request({
      operation: 'create key',
      method: 'POST',
      path: '/v3/api_keys',
      body: { name: request.name, scopes: this.scopes },
      idempotent: false,
    });
    const body = response.body as CreatedKey | undefined;
    if (typeof body?.api_key !== 'string' || typeof body.api_key_id !== 'string') {
      throw new ProviderResponseError(
        'sendgrid',
        'create key',
        response.status,
        'response lacks api_key or api_key_id',
      );
    }
    return { keyId: body.api_key_id, name: request.name, credential: { apiKey: body.api_key } };
  }

  async revoke(keyId: string): Promise<'revoked' | 'already-gone'> {
    return this.http.revoke({
      method: 'DELETE',
      path: `/v3/api_keys/${encodeURIComponent(keyId)}`,
    });
  }

  async listOwnKeys(namePrefix: string): Promise<readonly OwnedKey[]> {
    const response = await this.http.request({
      operation: 'list keys',
      method: 'GET',
      path: '/v3/api_keys',
      query: { limit: 100 },
      idempotent: true,
    });
    const result = (response.body as { result?: unknown } | undefined)?.result;
    if (!Array.isArray(result)) {
      throw new ProviderResponseError('sendgrid', 'list keys', response.status, 'response lacks result');
    }
    return result
      .filter(
        (key): key is { api_key_id: string; name: string } =>
          typeof key?.api_key_id === 'string' && typeof key?.name === 'string',
      )
      .filter((key) => key.name.startsWith(namePrefix))
      .map((key) => ({ keyId: key.api_key_id, name: key.name }));
  }
}

function parseAdminKey(credential: string): string {
  return parseSingleKeyCredential(credential, {
    provider: 'SendGrid',
    noun: 'key',
    pattern: /^SG\.[\w-]+\.[\w-]+$/,
    expected: 'a SendGrid API key (SG.<id>.<secret>)',
  });
}
