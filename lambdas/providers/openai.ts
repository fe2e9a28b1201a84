import { ManagedSecretConfigError } from '../domain/errors';
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
} from './provider';

/**
 * OpenAI project service-account API keys, through the Administration API.
 *
 * One Rotor key is one project service account: creating a service account
 * returns its first API key, and deleting the service account is the way to
 * revoke that key. The spec (test/fixtures/specs/openai-keys.yaml) documents
 * `DELETE /organization/projects/{project_id}/api_keys/{api_key_id}` as
 * returning "an error if the key belonged to a service account" and has no
 * delete for a service account's key, so several keys under one service
 * account could never be revoked one by one. So `keyId` is the service
 * account's id (`svc_acct_…`), which `revoke` deletes and `listOwnKeys`
 * finds by name.
 *
 * - Admin credential: an OpenAI Admin API key (`sk-admin-…`, made by an
 *   organization owner), stored plain or as JSON `{"apiKey":"sk-admin-…"}`.
 * - Settings: `rotor:project` (required, `proj_…`).
 * - Consumers read `apiKey`; `projectId` and `apiKeyId` (the key's own
 *   `key_…` id) are stored beside it.
 * - Provider-side expiry: `expires_in_seconds` on creation, Rotor's expiry
 *   plus one day, capped at OpenAI's maximum of one year.
 */
const HOSTS = { global: 'https://api.openai.com/v1' } as const;

/** OpenAI documents no propagation delay for new keys; a short bounded retry absorbs caches. */
const PROPAGATION = { attempts: 5, delayMs: 2_000 } as const;

/** The key outlives Rotor's expiry by a day, so a late rotation does not find it already dead. */
export const OPENAI_EXPIRY_MARGIN_MS = 24 * 3600 * 1000;
/** `expires_in_seconds` accepts 1 to 31,536,000 (one year). */
export const OPENAI_MAX_EXPIRES_IN_SECONDS = 31_536_000;

/** Pages of 100 (the API's maximum); a project with more service accounts than this is not plausible. */
const MAX_LIST_PAGES = 50;

export const openai: ProviderAdapter = {
  id: 'openai',
  displayName: 'OpenAI',
  mode: 'api',
  propagation: PROPAGATION,
  connect: (options) => new OpenAIConnection(options),
  async verify(credential, context) {
    // GET /models is the cheapest read any project key may make.
    const verifier = verificationClient(
      {
        provider: 'openai',
        baseUrl: baseUrlFor(context),
        defaultHeaders: { authorization: `Bearer ${credential.apiKey}` },
      },
      context,
    );
    await verifier.request({ operation: 'verify key', method: 'GET', path: '/models', idempotent: true });
  },
};

function baseUrlFor(context: ProviderContext): string {
  return resolveEndpoint({
    provider: 'openai',
    secretName: context.secretName,
    officialHosts: HOSTS,
    defaultHost: 'global',
    setting: 'region',
    selected: context.settings.region,
    override: context.endpointOverride,
  });
}

interface CreatedServiceAccount {
  id?: unknown;
  api_key?: { value?: unknown; id?: unknown; expires_at?: unknown } | null;
}

interface ServiceAccountPage {
  data?: unknown;
  has_more?: unknown;
  last_id?: unknown;
}

class OpenAIConnection implements ProviderConnection {
  private readonly http: ProviderHttpClient;
  private readonly projectId: string;
  private readonly projectPath: string;

  constructor(options: ConnectOptions) {
    const project = options.settings.project?.trim();
    if (!project || !/^[\w-]+$/.test(project)) {
      throw new ManagedSecretConfigError(
        options.secretName,
        'rotor:project',
        project ? 'is not an OpenAI project id (proj_…)' : 'is missing',
      );
    }
    this.projectId = project;
    this.projectPath = `/organization/projects/${encodeURIComponent(project)}`;
    this.http = new ProviderHttpClient({
      provider: 'openai',
      baseUrl: baseUrlFor(options),
      defaultHeaders: { authorization: `Bearer ${parseAdminKey(options.adminCredential)}` },
      ...options.http,
    });
  }

  async create(request: CreateKeyRequest): Promise<MintedKey> {
    const wanted = Math.ceil((request.expiresAt.getTime() + OPENAI_EXPIRY_MARGIN_MS - Date.now()) / 1000);
    const expiresInSeconds = Math.min(Math.max(wanted, 1), OPENAI_MAX_EXPIRES_IN_SECONDS);
    const response = await this.http.request({
      operation: 'create service account',
      method: 'POST',
      path: `${this.projectPath}/service_accounts`,
      body: { name: request.name, expires_in_seconds: expiresInSeconds },
      idempotent: false,
    });
    const body = response.body as CreatedServiceAccount | undefined;
    if (typeof body?.id !== 'string') {
      throw new ProviderResponseError(
        'openai',
        'create service account',
        response.status,
        'response lacks id',
      );
    }
    const key = body.api_key;
    if (typeof key?.value !== 'string' || typeof key.id !== 'string') {
      // A service account without its key is of no use and nothing else would ever delete it.
      await this.revoke(body.id).catch(() => undefined);
      throw new ProviderResponseError(
        'openai',
        'create service account',
        response.status,
        'response lacks api_key value or id',
      );
    }
    const providerExpiresAt =
      typeof key.expires_at === 'number'
        ? new Date(key.expires_at * 1000)
        : new Date(Date.now() + expiresInSeconds * 1000);
    return {
      keyId: body.id,
      name: request.name,
      credential: { apiKey: key.value },
      publicFields: { projectId: this.projectId, apiKeyId: key.id },
      providerExpiresAt,
    };
  }

  async revoke(keyId: string): Promise<'revoked' | 'already-gone'> {
    return this.http.revoke({
      operation: 'delete service account',
      method: 'DELETE',
      path: `${this.projectPath}/service_accounts/${encodeURIComponent(keyId)}`,
    });
  }

  async listOwnKeys(namePrefix: string): Promise<readonly OwnedKey[]> {
    const owned: OwnedKey[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const response = await this.http.request({
        operation: 'list service accounts',
        method: 'GET',
        path: `${this.projectPath}/service_accounts`,
        query: { limit: 100, after },
        idempotent: true,
      });
      const body = response.body as ServiceAccountPage | undefined;
      if (!Array.isArray(body?.data)) {
        throw new ProviderResponseError(
          'openai',
          'list service accounts',
          response.status,
          'response lacks data',
        );
      }
      for (const account of body.data as Array<{ id?: unknown; name?: unknown; created_at?: unknown }>) {
        if (typeof account?.id !== 'string' || typeof account.name !== 'string') continue;
        if (!account.name.startsWith(namePrefix)) continue;
        owned.push({
          keyId: account.id,
          name: account.name,
          ...(typeof account.created_at === 'number'
            ? { createdAt: new Date(account.created_at * 1000) }
            : {}),
        });
      }
      if (body.has_more !== true || typeof body.last_id !== 'string') break;
      after = body.last_id;
    }
    return owned;
  }
}

function parseAdminKey(credential: string): string {
  return parseSingleKeyCredential(credential, {
    provider: 'OpenAI',
    noun: 'key',
    pattern: /^sk-admin-[\w-]+$/,
    expected: 'an Admin API key (sk-admin-…)',
  });
}
