import { ManagedSecretConfigError } from '../domain/errors';
import { parseSingleKeyCredential } from './admin-credential';
import { resolveEndpoint } from './endpoint';
import { ProviderResponseError } from './errors';
import { type HttpRequest, ProviderHttpClient, verificationClient } from './http-client';
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
 * Mailgun API keys (Keys API `/v1/keys`).
 *
 * - Admin credential: a Mailgun API key with the Admin role (only admins may
 *   use the Keys API), stored as the plain key or as JSON `{"apiKey":"…"}`;
 *   sent as HTTP basic auth `api:<key>`.
 * - Settings: `rotor:role` (required: `admin`, `basic`, `developer` or
 *   `sending`), `rotor:kind` (`user`, the default, or `domain`; `sending` goes
 *   with `domain` and only with it), `rotor:domain` (the sending domain, required
 *   for `domain` keys), `rotor:region` (`us`, the default, or `eu`).
 * - Consumers read `apiKey`, plus `region` (and `domain` for domain keys) to
 *   pick the host and path they send to.
 * - Provider-side expiry: `expiration` (seconds) reaching Rotor's expiry plus
 *   PROVIDER_EXPIRY_MARGIN_MS.
 */
const PROVIDER = 'mailgun';

const HOSTS = { us: 'https://api.mailgun.net', eu: 'https://api.eu.mailgun.net' } as const;

/** Mailgun documents no propagation delay; a short retry absorbs eventual consistency. */
const PROPAGATION = { attempts: 5, delayMs: 2_000 } as const;

/** Provider expiry lands this long after Rotor's own, so Rotor retires the key first (clock skew, sweep lag). */
export const PROVIDER_EXPIRY_MARGIN_MS = 60 * 60 * 1000;

const ROLES = ['admin', 'basic', 'developer', 'sending'] as const;
const DOMAIN =
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

interface KeySettings {
  readonly role: (typeof ROLES)[number];
  readonly kind: 'user' | 'domain';
  readonly domain?: string;
}

export const mailgun: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Mailgun',
  mode: 'api',
  propagation: PROPAGATION,
  connect: (options) => new MailgunConnection(options),
  async verify(credential, context) {
    const settings = keySettings(context);
    const verifier = verificationClient(
      {
        provider: PROVIDER,
        baseUrl: baseUrlFor(context),
        defaultHeaders: { authorization: basic(credential.apiKey) },
      },
      context,
    );
    await verifier.request(verifyRequest(settings));
  },
};

/**
 * A user key reads one domain (GET /v3/domains). A domain sending key may only
 * post messages, so it posts an empty one: Mailgun checks the key first (401)
 * and then refuses the message for lacking `from` (400), sending nothing.
 */
function verifyRequest(settings: KeySettings): HttpRequest {
  if (settings.kind === 'user') {
    return {
      operation: 'verify key',
      method: 'GET',
      path: '/v3/domains',
      query: { limit: 1 },
      idempotent: true,
    };
  }
  return {
    operation: 'verify key',
    method: 'POST',
    path: `/v3/${settings.domain}/messages`,
    body: new FormData(),
    // An empty message is never sent, so repeating it is harmless.
    idempotent: true,
    acceptStatuses: [400],
  };
}

function baseUrlFor(context: ProviderContext): string {
  return resolveEndpoint({
    provider: PROVIDER,
    secretName: context.secretName,
    officialHosts: HOSTS,
    defaultHost: 'us',
    setting: 'region',
    selected: context.settings.region,
    override: context.endpointOverride,
  });
}

function keySettings(context: ProviderContext): KeySettings {
  const { settings, secretName } = context;
  const role = settings.role?.trim().toLowerCase();
  if (!role) throw new ManagedSecretConfigError(secretName, 'rotor:role', 'is missing');
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ManagedSecretConfigError(secretName, 'rotor:role', `must be one of: ${ROLES.join(', ')}`);
  }
  const kind = (settings.kind ?? 'user').trim().toLowerCase();
  if (kind !== 'user' && kind !== 'domain') {
    throw new ManagedSecretConfigError(secretName, 'rotor:kind', 'must be one of: user, domain');
  }
  if ((role === 'sending') !== (kind === 'domain')) {
    throw new ManagedSecretConfigError(
      secretName,
      'rotor:role',
      'must be "sending" exactly when rotor:kind is "domain"',
    );
  }
  if (kind === 'user') return { role: role as KeySettings['role'], kind };
  const domain = settings.domain?.trim().toLowerCase();
  if (!domain) throw new ManagedSecretConfigError(secretName, 'rotor:domain', 'is missing');
  // The domain goes into a path: only a host name may.
  if (!DOMAIN.test(domain))
    throw new ManagedSecretConfigError(secretName, 'rotor:domain', 'is not a domain name');
  return { role: 'sending', kind, domain };
}

function basic(key: string): string {
  return `Basic ${Buffer.from(`api:${key}`, 'utf8').toString('base64')}`;
}

/** Mailgun's times are ISO 8601 without an offset, in UTC. */
function parseMailgunTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const date = new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

class MailgunConnection implements ProviderConnection {
  private readonly http: ProviderHttpClient;
  private readonly settings: KeySettings;
  private readonly region: string;

  constructor(options: ConnectOptions) {
    this.settings = keySettings(options);
    this.region = (options.settings.region ?? 'us').toLowerCase();
    this.http = new ProviderHttpClient({
      provider: PROVIDER,
      baseUrl: baseUrlFor(options),
      defaultHeaders: { authorization: basic(parseAdminKey(options.adminCredential)) },
      ...options.http,
    });
  }

  async create(request: CreateKeyRequest): Promise<MintedKey> {
    const now = Date.now();
    const expiration = Math.max(
      1,
      Math.ceil((request.expiresAt.getTime() + PROVIDER_EXPIRY_MARGIN_MS - now) / 1000),
    );
    // The spec declares multipart/form-data only: a urlencoded body is refused with 415.
    const form = new FormData();
    form.set('role', this.settings.role);
    form.set('kind', this.settings.kind);
    form.set('description', request.name);
    form.set('expiration', String(expiration));
    if (this.settings.domain) form.set('domain_name', this.settings.domain);
    const response = await this.http.request({
      operation: 'create key',
      method: 'POST',
      path: '/v1/keys',
      body: form,
      idempotent: false,
    });
    const key = (response.body as { key?: Record<string, unknown> } | undefined)?.key;
    if (typeof key?.id !== 'string' || typeof key.secret !== 'string' || key.secret === '') {
      throw new ProviderResponseError(
        PROVIDER,
        'create key',
        response.status,
        'response lacks key.id or key.secret',
      );
    }
    return {
      keyId: key.id,
      name: request.name,
      credential: { apiKey: key.secret },
      publicFields: {
        region: this.region,
        ...(this.settings.domain ? { domain: this.settings.domain } : {}),
      },
      providerExpiresAt: parseMailgunTime(key.expires_at) ?? new Date(now + expiration * 1000),
    };
  }

  async revoke(keyId: string): Promise<RevokeOutcome> {
    return this.http.revoke({
      method: 'DELETE',
      path: `/v1/keys/${encodeURIComponent(keyId)}`,
    });
  }

  async listOwnKeys(namePrefix: string): Promise<readonly OwnedKey[]> {
    const response = await this.http.request({
      operation: 'list keys',
      method: 'GET',
      path: '/v1/keys',
      query: { kind: this.settings.kind, domain_name: this.settings.domain },
      idempotent: true,
    });
    const items = (response.body as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items)) {
      throw new ProviderResponseError(PROVIDER, 'list keys', response.status, 'response lacks items');
    }
    return items
      .filter(
        (key): key is { id: string; description: string; created_at?: unknown } =>
          typeof key?.id === 'string' && typeof key?.description === 'string',
      )
      .filter((key) => key.description.startsWith(namePrefix))
      .map((key) => {
        const createdAt = parseMailgunTime(key.created_at);
        return { keyId: key.id, name: key.description, ...(createdAt ? { createdAt } : {}) };
      });
  }
}

function parseAdminKey(credential: string): string {
  return parseSingleKeyCredential(credential, {
    provider: 'Mailgun',
    noun: 'key',
    pattern: /^[A-Za-z0-9_-]{16,256}$/,
    expected: 'a Mailgun API key',
  });
}
