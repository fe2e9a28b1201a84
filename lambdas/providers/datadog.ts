import { AdminCredentialError, ManagedSecretConfigError } from '../domain/errors';
import { resolveEndpoint } from './endpoint';
import { ProviderResponseError } from './errors';
import { ProviderHttpClient, verificationClient } from './http-client';
import type {
  ConnectOptions,
  CreateKeyRequest,
  MintedKey,
  OwnedKey,
  ProviderAdapter,
  ProviderConnection,
  ProviderContext,
  RevokeOutcome,
} from './provider';

/**
 * Datadog API keys (`/api/v2/api_keys`) and service-account application keys
 * (`/api/v2/service_accounts/{id}/application_keys`).
 *
 * - Admin credential (JSON): `{"apiKey":"…","appKey":"…"}`, an API key and an
 *   application key whose owner (best a service account) holds
 *   `api_keys_read`, `api_keys_write` and `api_keys_delete` (API keys) or
 *   `service_account_write` (application keys); a scoped application key
 *   needs the same scopes. Optional `pairedApiKey`: the API key stored beside
 *   new application keys (default: the admin `apiKey`).
 * - Settings: `rotor:site` (`us1`, the default, `us3`, `us5`, `eu1`/`eu`,
 *   `ap1`, `ap2`, `uk1`, `us1-fed`, `us2-fed`), `rotor:key-type` (`api`, the
 *   default, or `application`), `rotor:service-account-id` (required for
 *   application keys), `rotor:scopes` (optional application-key scopes,
 *   comma- or space-separated; without them the key has the service
 *   account's permissions).
 * - Consumers read `apiKey` (the rotated key) and `site` (the DD_SITE value).
 *   Application-key secrets also hold `applicationKey` (the same rotated key,
 *   for DD-APPLICATION-KEY) and `datadogApiKey` (for DD-API-KEY), plus the
 *   non-secret `serviceAccountId`. Datadog keys have no provider-side expiry.
 */

/** Every Datadog site, by the short name a tag uses, with its API host. */
const SITES = {
  us1: 'datadoghq.com',
  us3: 'us3.datadoghq.com',
  us5: 'us5.datadoghq.com',
  eu1: 'datadoghq.eu',
  eu: 'datadoghq.eu',
  ap1: 'ap1.datadoghq.com',
  ap2: 'ap2.datadoghq.com',
  uk1: 'uk1.datadoghq.com',
  'us1-fed': 'ddog-gov.com',
  'us2-fed': 'us2.ddog-gov.com',
} as const;

type SiteName = keyof typeof SITES;

const HOSTS: Readonly<Record<SiteName, string>> = Object.fromEntries(
  Object.entries(SITES).map(([name, site]) => [name, `https://api.${site}`]),
) as Record<SiteName, string>;

/** Datadog documents no propagation delay for new keys; a bounded retry covers its eventual consistency. */
const PROPAGATION = { attempts: 10, delayMs: 3_000 } as const;

/** The list endpoints' documented largest page. */
const PAGE_SIZE = 100;
const MAX_LIST_PAGES = 20;

type KeyType = 'api' | 'application';

export const datadog: ProviderAdapter = {
  id: 'datadog',
  displayName: 'Datadog',
  mode: 'api',
  propagation: PROPAGATION,
  connect: (options) => new DatadogConnection(options),
  async verify(credential, context) {
    const keyType = keyTypeOf(context);
    const application = keyType === 'application';
    if (application && !credential.datadogApiKey) {
      throw new ManagedSecretConfigError(
        context.secretName,
        'rotor:key-type',
        'is application but the stored key has no datadogApiKey',
      );
    }
    const verifier = verificationClient(
      {
        provider: 'datadog',
        baseUrl: hostFor(context),
        // An application key authenticates only together with an API key: the pair stored beside it.
        defaultHeaders: application
          ? {
              'dd-api-key': credential.datadogApiKey as string,
              'dd-application-key': credential.applicationKey ?? credential.apiKey,
            }
          : { 'dd-api-key': credential.apiKey },
      },
      context,
    );
    // /api/v1/validate checks an API key alone; /api/v2/validate_keys checks the pair.
    const response = await verifier.request({
      operation: 'verify key',
      method: 'GET',
      path: application ? '/api/v2/validate_keys' : '/api/v1/validate',
      idempotent: true,
    });
    const body = response.body as { valid?: unknown; status?: unknown } | undefined;
    const accepted = application ? body?.status === 'ok' : body?.valid === true;
    if (!accepted) {
      throw new ProviderResponseError('datadog', 'verify key', response.status, 'key not reported valid');
    }
  },
};

/** The DD_SITE value consumers need; checked even when an endpoint override hides the host. */
function siteOf(context: ProviderContext): string {
  const name = (context.settings.site ?? 'us1').toLowerCase();
  if (!Object.hasOwn(SITES, name)) {
    const allowed = Object.keys(SITES).join(', ');
    throw new ManagedSecretConfigError(context.secretName, 'rotor:site', `must be one of: ${allowed}`);
  }
  return SITES[name as SiteName];
}

function hostFor(context: ProviderContext): string {
  return resolveEndpoint({
    provider: 'datadog',
    secretName: context.secretName,
    officialHosts: HOSTS,
    defaultHost: 'us1',
    setting: 'site',
    selected: context.settings.site,
    override: context.endpointOverride,
  });
}

function keyTypeOf(context: ProviderContext): KeyType {
  const keyType = (context.settings['key-type'] ?? 'api').toLowerCase();
  if (keyType !== 'api' && keyType !== 'application') {
    throw new ManagedSecretConfigError(
      context.secretName,
      'rotor:key-type',
      'must be one of: api, application',
    );
  }
  return keyType;
}

interface AdminCredential {
  readonly apiKey: string;
  readonly appKey: string;
  readonly pairedApiKey: string;
}

interface DatadogKey {
  id?: unknown;
  attributes?: { key?: unknown; name?: unknown; created_at?: unknown };
}

class DatadogConnection implements ProviderConnection {
  private readonly http: ProviderHttpClient;
  private readonly keyType: KeyType;
  private readonly collection: string;
  private readonly site: string;
  private readonly serviceAccountId: string | undefined;
  private readonly pairedApiKey: string;
  private readonly scopes: readonly string[];

  constructor(options: ConnectOptions) {
    const { settings, secretName } = options;
    const admin = parseAdminCredential(options.adminCredential);
    this.keyType = keyTypeOf(options);
    const baseUrl = hostFor(options);
    this.site = siteOf(options);
    this.pairedApiKey = admin.pairedApiKey;
    this.scopes = (settings.scopes ?? '').split(/[\s,]+/).filter(Boolean);
    if (this.keyType === 'application') {
      const id = settings['service-account-id'];
      if (!id || !/^[\w-]+$/.test(id)) {
        throw new ManagedSecretConfigError(secretName, 'rotor:service-account-id', 'is missing or malformed');
      }
      this.serviceAccountId = id;
      this.collection = `/api/v2/service_accounts/${id}/application_keys`;
    } else {
      if (this.scopes.length > 0) {
        throw new ManagedSecretConfigError(secretName, 'rotor:scopes', 'applies only to application keys');
      }
      this.collection = '/api/v2/api_keys';
    }
    this.http = new ProviderHttpClient({
      provider: 'datadog',
      baseUrl,
      defaultHeaders: { 'dd-api-key': admin.apiKey, 'dd-application-key': admin.appKey },
      ...options.http,
    });
  }

  async create(request: CreateKeyRequest): Promise<MintedKey> {
    const application = this.keyType === 'application';
    const attributes = application
      ? { name: request.name, ...(this.scopes.length > 0 ? { scopes: this.scopes } : {}) }
      : { name: request.name };
    const response = await this.http.request({
      operation: 'create key',
      method: 'POST',
      path: this.collection,
      body: { data: { type: application ? 'application_keys' : 'api_keys', attributes } },
      idempotent: false,
    });
    const data = (response.body as { data?: DatadogKey } | undefined)?.data;
    const key = data?.attributes?.key;
    if (typeof data?.id !== 'string' || typeof key !== 'string' || key === '') {
      throw new ProviderResponseError(
        'datadog',
        'create key',
        response.status,
        'response lacks data.id or key',
      );
    }
    if (!application) {
      return {
        keyId: data.id,
        name: request.name,
        credential: { apiKey: key },
        publicFields: { site: this.site },
      };
    }
    return {
      keyId: data.id,
      name: request.name,
      credential: { apiKey: key, applicationKey: key, datadogApiKey: this.pairedApiKey },
      publicFields: { site: this.site, serviceAccountId: this.serviceAccountId as string },
    };
  }

  async revoke(keyId: string): Promise<RevokeOutcome> {
    return this.http.revoke({
      method: 'DELETE',
      path: `${this.collection}/${encodeURIComponent(keyId)}`,
    });
  }

  async listOwnKeys(namePrefix: string): Promise<readonly OwnedKey[]> {
    const owned: OwnedKey[] = [];
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const response = await this.http.request({
        operation: 'list keys',
        method: 'GET',
        path: this.collection,
        // `filter` narrows by substring at Datadog; the prefix test below is the exact rule.
        query: { filter: namePrefix, 'page[size]': PAGE_SIZE, 'page[number]': page },
        idempotent: true,
      });
      const body = response.body as { data?: unknown } | undefined;
      if (!Array.isArray(body?.data)) {
        throw new ProviderResponseError('datadog', 'list keys', response.status, 'response lacks data');
      }
      for (const key of body.data as DatadogKey[]) {
        const name = key?.attributes?.name;
        if (typeof key?.id !== 'string' || typeof name !== 'string' || !name.startsWith(namePrefix)) continue;
        const createdAt = key.attributes?.created_at;
        const created = typeof createdAt === 'string' ? new Date(createdAt) : undefined;
        owned.push({
          keyId: key.id,
          name,
          ...(created && !Number.isNaN(created.getTime()) ? { createdAt: created } : {}),
        });
      }
      if (body.data.length < PAGE_SIZE) break;
    }
    return owned;
  }
}

function parseAdminCredential(credential: string): AdminCredential {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(credential.trim()) as Record<string, unknown>;
  } catch {
    throw new AdminCredentialError('Datadog admin credential is not JSON with apiKey and appKey');
  }
  const { apiKey, appKey, pairedApiKey } = parsed ?? {};
  const token = (value: unknown): value is string => typeof value === 'string' && /^[\w-]{16,}$/.test(value);
  if (!token(apiKey) || !token(appKey)) {
    throw new AdminCredentialError('Datadog admin credential needs apiKey and appKey');
  }
  if (pairedApiKey !== undefined && !token(pairedApiKey)) {
    throw new AdminCredentialError('Datadog admin credential pairedApiKey is not an API key');
  }
  return { apiKey, appKey, pairedApiKey: pairedApiKey ?? apiKey };
}
