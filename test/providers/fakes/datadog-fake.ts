import { randomBytes, randomUUID } from 'node:crypto';
import { FakeHttpServer, type RecordedRequest, type Reply } from '../support/fake-http-server';
import type { ProviderFake } from '../support/provider-fake';

interface DatadogKey {
  readonly id: string;
  readonly kind: 'api_keys' | 'application_keys';
  readonly name: string;
  readonly key: string;
  readonly createdAt: string;
  readonly scopes: readonly string[] | null;
  revoked: boolean;
  /** Verification attempts to refuse before the key works (propagation). */
  pendingRefusals: number;
}

/** Datadog's documented error body: `{ errors: [string] }`. */
const error = (status: number, message: string): Reply => ({ status, body: { errors: [message] } });

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export interface DatadogFakeOptions {
  /** Verification attempts each new key refuses before it works. */
  readonly propagationRefusals?: number;
  /** Manage service-account application keys instead of API keys. */
  readonly keyType?: 'api' | 'application';
}

export type DatadogFake = ProviderFake & {
  readonly keys: Map<string, DatadogKey>;
  readonly serviceAccountId: string;
  readonly adminApiKey: string;
};

/**
 * Datadog's key-management endpoints as its API reference and the V2/V1
 * OpenAPI specs document them: DD-API-KEY + DD-APPLICATION-KEY headers (403
 * `{errors:[…]}` when refused), JSON:API bodies with `data.type` checked,
 * 201 with `data.attributes.key` on create, `data` + `meta.page` on list with
 * `page[size]` at most 100, 204 on delete, /api/v1/validate (`{valid:true}`,
 * 403 for a bad key), /api/v2/validate_keys (`{status:"ok"}`), and 429 with
 * X-RateLimit-Limit/Period/Remaining/Reset/Name (Reset in seconds).
 */
export async function startDatadogFake(options: DatadogFakeOptions = {}): Promise<DatadogFake> {
  const adminApiKey = hex(16);
  const adminAppKey = hex(20);
  const serviceAccountId = randomUUID();
  const keys = new Map<string, DatadogKey>();
  const kind = options.keyType === 'application' ? 'application_keys' : 'api_keys';
  const collection =
    kind === 'application_keys'
      ? `/api/v2/service_accounts/${serviceAccountId}/application_keys`
      : '/api/v2/api_keys';

  const header = (request: RecordedRequest, name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const liveKey = (value: string | undefined, wanted: DatadogKey['kind']) =>
    [...keys.values()].find((key) => key.kind === wanted && key.key === value && !key.revoked);
  const validApiKey = (value: string | undefined) => value === adminApiKey || !!liveKey(value, 'api_keys');
  const validAppKey = (value: string | undefined) =>
    value === adminAppKey || !!liveKey(value, 'application_keys');
  /** A new key's propagation: refuse it a number of times before it authenticates. */
  const propagating = (key: DatadogKey | undefined) => {
    if (key && key.pendingRefusals > 0) {
      key.pendingRefusals--;
      return true;
    }
    return false;
  };
  const view = (key: DatadogKey) => ({
    id: key.id,
    type: key.kind,
    attributes: {
      name: key.name,
      created_at: key.createdAt,
      last4: key.key.slice(-4),
      ...(key.kind === 'api_keys' ? { modified_at: key.createdAt } : { scopes: key.scopes }),
    },
  });

  const route = (request: RecordedRequest): Reply => {
    const { method, path } = request;
    const apiKey = header(request, 'dd-api-key');
    const appKey = header(request, 'dd-application-key');
    if (path === '/api/v1/validate' && method === 'GET') {
      if (!validApiKey(apiKey) || propagating(liveKey(apiKey, 'api_keys'))) return error(403, 'Forbidden');
      return { status: 200, body: { valid: true } };
    }
    if (path === '/api/v2/validate_keys' && method === 'GET') {
      if (!validApiKey(apiKey) || !validAppKey(appKey)) return error(403, 'Forbidden');
      if (propagating(liveKey(apiKey, 'api_keys')) || propagating(liveKey(appKey, 'application_keys'))) {
        return error(403, 'Forbidden');
      }
      return { status: 200, body: { status: 'ok' } };
    }
    // Key management needs the admin pair (a key's own pair has no key-management permission here).
    if (apiKey !== adminApiKey || appKey !== adminAppKey) return error(403, 'Forbidden');
    if (path === collection && method === 'POST') return create(request);
    if (path === collection && method === 'GET') return list(request);
    if (path.startsWith(`${collection}/`) && method === 'DELETE') {
      const key = keys.get(decodeURIComponent(path.slice(collection.length + 1)));
      if (!key || key.revoked) return error(404, 'Not found');
      key.revoked = true;
      return { status: 204 };
    }
    return error(404, 'Not found');
  };

  const create = (request: RecordedRequest): Reply => {
    const data = (
      request.body as { data?: { type?: unknown; attributes?: Record<string, unknown> } } | undefined
    )?.data;
    if (data?.type !== kind) return error(400, `data.type must be ${kind}`);
    const name = data.attributes?.name;
    if (typeof name !== 'string' || name === '')
      return error(400, 'data.attributes must have required property name');
    const scopes = data.attributes?.scopes;
    if (kind === 'api_keys' && scopes !== undefined) return error(400, 'API keys have no scopes');
    if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))) {
      return error(400, 'scopes must be an array of strings');
    }
    const key: DatadogKey = {
      id: randomUUID(),
      kind,
      name,
      key: kind === 'api_keys' ? hex(16) : hex(20),
      createdAt: new Date().toISOString(),
      scopes: (scopes as string[] | undefined) ?? null,
      revoked: false,
      pendingRefusals: options.propagationRefusals ?? 0,
    };
    keys.set(key.id, key);
    const shown = view(key);
    return { status: 201, body: { data: { ...shown, attributes: { ...shown.attributes, key: key.key } } } };
  };

  const list = (request: RecordedRequest): Reply => {
    const size = Number(request.query.get('page[size]') ?? 10);
    if (!Number.isInteger(size) || size < 1 || size > 100)
      return error(400, 'page[size] must be at most 100');
    const number = Number(request.query.get('page[number]') ?? 0);
    const filter = request.query.get('filter') ?? '';
    const matching = [...keys.values()].filter((key) => !key.revoked && key.name.includes(filter));
    return {
      status: 200,
      body: {
        data: matching.slice(number * size, (number + 1) * size).map(view),
        meta: {
          page: { total_filtered_count: matching.length },
          ...(kind === 'api_keys' ? { max_allowed: 50 } : { max_allowed_per_user: 20 }),
        },
      },
    };
  };

  const server = await FakeHttpServer.start(route);
  return {
    server,
    keys,
    serviceAccountId,
    adminApiKey,
    adminCredential: JSON.stringify({ apiKey: adminApiKey, appKey: adminAppKey }),
    settings:
      kind === 'application_keys'
        ? { 'key-type': 'application', 'service-account-id': serviceAccountId }
        : {},
    isLive: (keyId) => keys.get(keyId)?.revoked === false,
    liveKeyIds: () => [...keys.values()].filter((key) => !key.revoked).map((key) => key.id),
    issuedSecrets: () => [adminApiKey, adminAppKey, ...[...keys.values()].map((key) => key.key)],
    rateLimitReply: (seconds) => ({
      ...error(429, 'Too many requests'),
      headers: {
        'x-ratelimit-limit': '100',
        'x-ratelimit-period': '60',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(seconds),
        'x-ratelimit-name': 'api_keys',
      },
    }),
    serverErrorReply: () => error(500, 'Internal Server Error'),
    isCreate: (request) => request.method === 'POST' && request.path === collection,
    isRevoke: (request) => request.method === 'DELETE' && request.path.startsWith(`${collection}/`),
    isList: (request) => request.method === 'GET' && request.path === collection,
    isVerify: (request) =>
      request.method === 'GET' &&
      (request.path === '/api/v1/validate' || request.path === '/api/v2/validate_keys'),
    close: () => server.close(),
  };
}
