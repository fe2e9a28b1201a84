import { ManagedSecretConfigError } from '../domain/errors';
import { fingerprintOf } from '../domain/secret-value';
import { parseSingleKeyCredential } from './admin-credential';
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
  StoredCredential,
} from './provider';

/**
 * Algolia API keys (Search API `/1/keys`).
 *
 * - Admin credential: the application's Admin API key (every `/1/keys` write
 *   needs it), stored as the plain key or as JSON `{"apiKey":"…"}`.
 * - Settings: `rotor:application-id` (required; letters and digits only, so
 *   the host it builds is always an Algolia host), `rotor:acl` (required,
 *   comma- or space-separated ACLs for new keys), `rotor:indexes` (optional
 *   index names or patterns), `rotor:host` (`primary`, the default, or
 *   `fallback-1`…`fallback-3`: Algolia's documented retry hosts).
 * - Consumers read `apiKey` and `applicationId`.
 * - An Algolia key's value is its own id, so `keyId` is a non-secret id
 *   derived from it: `sha256:` and 16 hex digits of its SHA-256 (the same as
 *   the fingerprint). Revoking needs the value: the rotation passes the stored
 *   key; without it the adapter lists the keys and matches the derived id.
 * - Provider-side expiry: `validity` (seconds) set to Rotor's expiry plus
 *   PROVIDER_EXPIRY_MARGIN_MS.
 */
const PROVIDER = 'algolia';

/** Algolia's documented hosts for an application, by the names `rotor:host` may use. */
export function algoliaHosts(applicationId: string): Readonly<Record<string, string>> {
  return {
    primary: `https://${applicationId}.algolia.net`,
    'fallback-1': `https://${applicationId}-1.algolianet.com`,
    'fallback-2': `https://${applicationId}-2.algolianet.com`,
    'fallback-3': `https://${applicationId}-3.algolianet.com`,
  };
}

/**
 * Algolia says a new key "might not be immediately visible" and its clients'
 * waitForApiKey polls for it (50 tries, up to 5 s apart). Rotor allows 24
 * attempts 5 s apart: two minutes.
 */
const PROPAGATION = { attempts: 24, delayMs: 5_000 } as const;

/** Provider expiry lands this long after Rotor's own, so Rotor retires the key first (clock skew, sweep lag). */
export const PROVIDER_EXPIRY_MARGIN_MS = 60 * 60 * 1000;

/** Algolia application ids are upper-case letters and digits; anything else could change the host. */
const APPLICATION_ID = /^[A-Za-z0-9]{1,32}$/;

export const algolia: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Algolia',
  mode: 'api',
  propagation: PROPAGATION,
  connect: (options) => new AlgoliaConnection(options),
  async verify(credential, context) {
    // GET /1/keys/{key} with the key itself: any key may read its own permissions,
    // and Algolia answers 404 until a new key has reached the cluster.
    const applicationId = applicationIdOf(context);
    const verifier = verificationClient(
      {
        provider: PROVIDER,
        baseUrl: baseUrlFor(context, applicationId),
        defaultHeaders: algoliaHeaders(applicationId, credential.apiKey),
      },
      context,
    );
    await verifier.request({
      operation: 'verify key',
      method: 'GET',
      path: `/1/keys/${encodeURIComponent(credential.apiKey)}`,
      idempotent: true,
    });
  },
};

function applicationIdOf(context: ProviderContext): string {
  const applicationId = context.settings['application-id']?.trim();
  if (!applicationId) {
    throw new ManagedSecretConfigError(context.secretName, 'rotor:application-id', 'is missing');
  }
  if (!APPLICATION_ID.test(applicationId)) {
    throw new ManagedSecretConfigError(
      context.secretName,
      'rotor:application-id',
      'must be an Algolia application id (letters and digits)',
    );
  }
  return applicationId;
}

function baseUrlFor(context: ProviderContext, applicationId: string): string {
  return resolveEndpoint({
    provider: PROVIDER,
    secretName: context.secretName,
    officialHosts: algoliaHosts(applicationId),
    defaultHost: 'primary',
    setting: 'host',
    selected: context.settings.host,
    override: context.endpointOverride,
  });
}

function algoliaHeaders(applicationId: string, apiKey: string): Record<string, string> {
  return { 'x-algolia-application-id': applicationId, 'x-algolia-api-key': apiKey };
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}

interface ListedKey {
  readonly value: string;
  readonly description?: unknown;
  readonly createdAt?: unknown;
}

class AlgoliaConnection implements ProviderConnection {
  private readonly http: ProviderHttpClient;
  private readonly applicationId: string;
  private readonly acl: readonly string[];
  private readonly indexes: readonly string[];

  constructor(private readonly options: ConnectOptions) {
    this.applicationId = applicationIdOf(options);
    this.acl = list(options.settings.acl);
    this.indexes = list(options.settings.indexes);
    this.http = new ProviderHttpClient({
      provider: PROVIDER,
      baseUrl: baseUrlFor(options, this.applicationId),
      defaultHeaders: algoliaHeaders(this.applicationId, parseAdminKey(options.adminCredential)),
      ...options.http,
    });
  }

  async create(request: CreateKeyRequest): Promise<MintedKey> {
    if (this.acl.length === 0) {
      // A key with an empty ACL can do nothing: the setting was forgotten, not chosen.
      throw new ManagedSecretConfigError(this.options.secretName, 'rotor:acl', 'is missing');
    }
    const now = Date.now();
    const providerExpiresAt = new Date(request.expiresAt.getTime() + PROVIDER_EXPIRY_MARGIN_MS);
    const validity = Math.max(1, Math.ceil((providerExpiresAt.getTime() - now) / 1000));
    const response = await this.http.request({
      operation: 'create key',
      method: 'POST',
      path: '/1/keys',
      body: {
        acl: this.acl,
        description: request.name,
        validity,
        ...(this.indexes.length > 0 ? { indexes: this.indexes } : {}),
      },
      idempotent: false,
    });
    const key = (response.body as { key?: unknown } | undefined)?.key;
    if (typeof key !== 'string' || key === '') {
      throw new ProviderResponseError(PROVIDER, 'create key', response.status, 'response lacks key');
    }
    return {
      keyId: fingerprintOf(key),
      name: request.name,
      credential: { apiKey: key },
      publicFields: { applicationId: this.applicationId },
      providerExpiresAt: new Date(now + validity * 1000),
    };
  }

  async revoke(keyId: string, credential?: StoredCredential): Promise<RevokeOutcome> {
    const value =
      credential && fingerprintOf(credential.apiKey) === keyId
        ? credential.apiKey
        : (await this.listKeys()).find((key) => fingerprintOf(key.value) === keyId)?.value;
    if (value === undefined) return 'already-gone';
    return this.http.revoke({
      method: 'DELETE',
      path: `/1/keys/${encodeURIComponent(value)}`,
    });
  }

  async listOwnKeys(namePrefix: string): Promise<readonly OwnedKey[]> {
    return (await this.listKeys())
      .filter((key) => typeof key.description === 'string' && key.description.startsWith(namePrefix))
      .map((key) => ({
        keyId: fingerprintOf(key.value),
        name: key.description as string,
        ...(typeof key.createdAt === 'number' ? { createdAt: epochToDate(key.createdAt) } : {}),
      }));
  }

  private async listKeys(): Promise<readonly ListedKey[]> {
    const response = await this.http.request({
      operation: 'list keys',
      method: 'GET',
      path: '/1/keys',
      idempotent: true,
    });
    const keys = (response.body as { keys?: unknown } | undefined)?.keys;
    if (!Array.isArray(keys)) {
      throw new ProviderResponseError(PROVIDER, 'list keys', response.status, 'response lacks keys');
    }
    return keys.filter((key): key is ListedKey => typeof key?.value === 'string' && key.value !== '');
  }
}

/** The spec documents milliseconds; older answers carry seconds, which are told apart by size. */
function epochToDate(value: number): Date {
  return new Date(value < 1e12 ? value * 1000 : value);
}

function parseAdminKey(credential: string): string {
  return parseSingleKeyCredential(credential, {
    provider: 'Algolia',
    noun: 'key',
    pattern: /^[A-Za-z0-9]{16,128}$/,
    expected: 'an Algolia API key (letters and digits)',
  });
}
