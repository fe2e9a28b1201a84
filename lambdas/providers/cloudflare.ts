import { randomBytes } from 'node:crypto';
import { ManagedSecretConfigError } from '../domain/errors';
import { parseSingleKeyCredential } from './admin-credential';
import { resolveEndpoint } from './endpoint';
import { ProviderAuthError, ProviderResponseError } from './errors';
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
 * Cloudflare API tokens, user-owned (`/user/tokens`) or account-owned
 * (`/accounts/{account_id}/tokens`).
 *
 * - Admin credential: a Cloudflare API token stored as the plain token or as
 *   JSON `{"apiKey":"…"}`. For user-owned tokens it needs User → API Tokens →
 *   Edit (the "Create additional tokens" template); for account-owned tokens,
 *   Account → Account API Tokens → Edit ("API Tokens Write").
 * - Settings: `rotor:token-owner` (`user`, the default, or `account`),
 *   `rotor:account-id` (32 hex digits; required for `account`),
 *   `rotor:permission-groups` (required: permission group ids) and
 *   `rotor:resources` (required: resource names such as
 *   `com.cloudflare.api.account.zone.<zone id>`, each granted `*`). Together
 *   they form one `allow` policy: tag values cannot hold JSON.
 * - Consumers read `apiKey` (the token value; send it as `Authorization: Bearer`).
 * - Provider-side expiry: `expires_on` at Rotor's expiry plus PROVIDER_EXPIRY_MARGIN_MS.
 * - Never the roll endpoint: rolling replaces the token's value at once, which
 *   would kill the key still in its grace period. Rotor creates a new token and
 *   deletes the old one when its grace period ends.
 */
const PROVIDER = 'cloudflare';

/** Cloudflare's API has one host; no tag selects another. */
const HOSTS = { global: 'https://api.cloudflare.com/client/v4' } as const;

/** Cloudflare documents no propagation delay; a short retry absorbs eventual consistency. */
const PROPAGATION = { attempts: 5, delayMs: 2_000 } as const;

/** Provider expiry lands this long after Rotor's own, so Rotor retires the key first (clock skew, sweep lag). */
export const PROVIDER_EXPIRY_MARGIN_MS = 60 * 60 * 1000;

/** The spec caps per_page at 50; the account quota is 500 tokens, the user quota 50. */
const PAGE_SIZE = 50;
const MAX_PAGES = 20;

const HEX32 = /^[0-9a-f]{32}$/;
const RESOURCE = /^com\.cloudflare\.api\.[A-Za-z0-9._*-]+$/;

type Owner = { readonly kind: 'user' } | { readonly kind: 'account'; readonly accountId: string };

export const cloudflare: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Cloudflare',
  mode: 'api',
  propagation: PROPAGATION,
  connect: (options) => new CloudflareConnection(options),
  async verify(credential, context) {
    // tokens/verify is the documented check of a token by itself; it answers
    // 200 with the token's status, which must be `active`.
    const verifier = verificationClient(
      {
        provider: PROVIDER,
        baseUrl: baseUrlFor(context),
        defaultHeaders: { authorization: `Bearer ${credential.apiKey}` },
      },
      context,
    );
    const response = await verifier.request({
      operation: 'verify key',
      method: 'GET',
      path: `${tokensPath(ownerOf(context))}/verify`,
      idempotent: true,
    });
    const status = resultOf(response.body, 'verify key', response.status)?.status;
    if (status !== 'active') {
      throw new ProviderAuthError(PROVIDER, 'verify key', response.status, 'token is not active');
    }
  },
};

function baseUrlFor(context: ProviderContext): string {
  return resolveEndpoint({
    provider: PROVIDER,
    secretName: context.secretName,
    officialHosts: HOSTS,
    defaultHost: 'global',
    setting: 'api-host',
    selected: undefined,
    override: context.endpointOverride,
  });
}

function ownerOf(context: ProviderContext): Owner {
  const owner = (context.settings['token-owner'] ?? 'user').trim().toLowerCase();
  if (owner === 'user') return { kind: 'user' };
  if (owner !== 'account') {
    throw new ManagedSecretConfigError(
      context.secretName,
      'rotor:token-owner',
      'must be one of: user, account',
    );
  }
  const accountId = context.settings['account-id']?.trim().toLowerCase();
  if (!accountId) {
    throw new ManagedSecretConfigError(context.secretName, 'rotor:account-id', 'is missing');
  }
  // The id goes into the path: only a Cloudflare identifier may.
  if (!HEX32.test(accountId)) {
    throw new ManagedSecretConfigError(context.secretName, 'rotor:account-id', 'must be 32 hex digits');
  }
  return { kind: 'account', accountId };
}

function tokensPath(owner: Owner): string {
  return owner.kind === 'user' ? '/user/tokens' : `/accounts/${owner.accountId}/tokens`;
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}

/** Cloudflare's envelope: `{ success, errors, messages, result }`. */
function resultOf(body: unknown, operation: string, status: number): Record<string, unknown> | undefined {
  const envelope = body as { success?: unknown; result?: unknown } | undefined;
  if (envelope?.success === false) {
    throw new ProviderResponseError(PROVIDER, operation, status, 'answer says success: false');
  }
  const result = envelope?.result;
  return typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : undefined;
}

/** Cloudflare's timestamps are RFC 3339 to the second. */
function toCloudflareTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

class CloudflareConnection implements ProviderConnection {
  private readonly http: ProviderHttpClient;
  private readonly path: string;
  private readonly permissionGroups: readonly string[];
  private readonly resources: readonly string[];

  constructor(private readonly options: ConnectOptions) {
    this.path = tokensPath(ownerOf(options));
    this.permissionGroups = list(options.settings['permission-groups']);
    this.resources = list(options.settings.resources);
    this.http = new ProviderHttpClient({
      provider: PROVIDER,
      baseUrl: baseUrlFor(options),
      defaultHeaders: { authorization: `Bearer ${parseAdminToken(options.adminCredential)}` },
      ...options.http,
    });
  }

  async create(request: CreateKeyRequest): Promise<MintedKey> {
    const { secretName } = this.options;
    if (this.permissionGroups.length === 0) {
      throw new ManagedSecretConfigError(secretName, 'rotor:permission-groups', 'is missing');
    }
    if (!this.permissionGroups.every((id) => HEX32.test(id))) {
      throw new ManagedSecretConfigError(secretName, 'rotor:permission-groups', 'must be 32-hex-digit ids');
    }
    if (this.resources.length === 0) {
      throw new ManagedSecretConfigError(secretName, 'rotor:resources', 'is missing');
    }
    if (!this.resources.every((resource) => RESOURCE.test(resource))) {
      throw new ManagedSecretConfigError(secretName, 'rotor:resources', 'must be com.cloudflare.api.… names');
    }
    const expiresOn = toCloudflareTime(new Date(request.expiresAt.getTime() + PROVIDER_EXPIRY_MARGIN_MS));
    const response = await this.http.request({
      operation: 'create key',
      method: 'POST',
      path: this.path,
      body: {
        name: request.name,
        policies: [
          {
            // The published schema requires a policy id on create; Cloudflare assigns its own.
            id: randomBytes(16).toString('hex'),
            effect: 'allow',
            permission_groups: this.permissionGroups.map((id) => ({ id })),
            resources: Object.fromEntries(this.resources.map((resource) => [resource, '*'])),
          },
        ],
        expires_on: expiresOn,
      },
      idempotent: false,
    });
    const result = resultOf(response.body, 'create key', response.status);
    if (typeof result?.id !== 'string' || typeof result.value !== 'string' || result.value === '') {
      throw new ProviderResponseError(PROVIDER, 'create key', response.status, 'response lacks id or value');
    }
    const answeredExpiry = typeof result.expires_on === 'string' ? new Date(result.expires_on) : undefined;
    return {
      keyId: result.id,
      name: request.name,
      credential: { apiKey: result.value },
      providerExpiresAt:
        answeredExpiry && !Number.isNaN(answeredExpiry.getTime()) ? answeredExpiry : new Date(expiresOn),
    };
  }

  async revoke(keyId: string): Promise<RevokeOutcome> {
    return this.http.revoke({
      method: 'DELETE',
      path: `${this.path}/${encodeURIComponent(keyId)}`,
      // The published schema requires a JSON body on delete; an empty object is all it holds.
      body: {},
    });
  }

  async listOwnKeys(namePrefix: string): Promise<readonly OwnedKey[]> {
    const owned: OwnedKey[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await this.http.request({
        operation: 'list keys',
        method: 'GET',
        path: this.path,
        query: { page, per_page: PAGE_SIZE },
        idempotent: true,
      });
      const body = response.body as
        | { success?: unknown; result?: unknown; result_info?: unknown }
        | undefined;
      if (body?.success === false || !Array.isArray(body?.result)) {
        throw new ProviderResponseError(PROVIDER, 'list keys', response.status, 'response lacks result');
      }
      for (const token of body.result as Array<Record<string, unknown> | null>) {
        if (typeof token?.id !== 'string' || typeof token.name !== 'string') continue;
        if (!token.name.startsWith(namePrefix)) continue;
        const issued = typeof token.issued_on === 'string' ? new Date(token.issued_on) : undefined;
        owned.push({
          keyId: token.id,
          name: token.name,
          ...(issued && !Number.isNaN(issued.getTime()) ? { createdAt: issued } : {}),
        });
      }
      const info = body.result_info as { total_pages?: unknown } | undefined;
      const lastPage =
        typeof info?.total_pages === 'number' ? page >= info.total_pages : body.result.length < PAGE_SIZE;
      if (lastPage) break;
    }
    return owned;
  }
}

function parseAdminToken(credential: string): string {
  return parseSingleKeyCredential(credential, {
    provider: 'Cloudflare',
    noun: 'token',
    pattern: /^[A-Za-z0-9_-]{32,256}$/,
    expected: 'a Cloudflare API token',
  });
}
