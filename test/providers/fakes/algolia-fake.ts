import { randomBytes } from 'node:crypto';
import { fingerprintOf } from '../../../lambdas/domain/secret-value';
import { FakeHttpServer, type RecordedRequest, type Reply } from '../support/fake-http-server';
import type { ProviderFake } from '../support/provider-fake';

interface AlgoliaKey {
  readonly value: string;
  readonly description: string;
  readonly acl: readonly string[];
  readonly indexes: readonly string[];
  readonly validity: number;
  /** Milliseconds since the epoch, as the spec's createdAtTimestamp. */
  readonly createdAt: number;
  deleted: boolean;
  /** Requests that must still miss the key before it is visible (Algolia's propagation). */
  pendingMisses: number;
}

/** Algolia's error body: `{ message, status }`. */
const error = (status: number, message: string): Reply => ({ status, body: { message, status } });

/** The ACL values the spec's `acl` enum allows. */
const ACLS = new Set([
  'addObject',
  'analytics',
  'browse',
  'deleteObject',
  'deleteIndex',
  'editSettings',
  'inference',
  'listIndexes',
  'logs',
  'personalization',
  'recommendation',
  'search',
  'seeUnretrievableAttributes',
  'settings',
  'usage',
]);

const API_KEY_FIELDS = new Set([
  'acl',
  'description',
  'indexes',
  'maxHitsPerQuery',
  'maxQueriesPerIPPerHour',
  'queryParameters',
  'referers',
  'validity',
]);

export interface AlgoliaFakeOptions {
  /** Reads of a new key that answer 404 before it is visible. */
  readonly propagationMisses?: number;
}

export const ALGOLIA_APP_ID = 'LATENCY7QX';

/**
 * Algolia's `/1/keys` endpoints as the Search API reference and its OpenAPI
 * spec document them: `x-algolia-application-id` + `x-algolia-api-key`
 * headers, 403 "Invalid Application-ID or API key", 200 `{key, createdAt}` on
 * create, `{keys:[…]}` on list, `{deletedAt}` on delete, 404 "Key does not
 * exist", keys that become visible only after propagation, and 429 with
 * X-RateLimit-* headers.
 */
export async function startAlgoliaFake(
  options: AlgoliaFakeOptions = {},
): Promise<ProviderFake & { keys: Map<string, AlgoliaKey> }> {
  const adminKey = randomBytes(16).toString('hex');
  /** By value: the key is its own id. */
  const keys = new Map<string, AlgoliaKey>();

  const visible = (value: string) => {
    const key = keys.get(value);
    return key && !key.deleted ? key : undefined;
  };
  const render = (key: AlgoliaKey) => ({
    value: key.value,
    createdAt: key.createdAt,
    acl: key.acl,
    description: key.description,
    indexes: key.indexes,
    validity: key.validity,
  });

  const route = (request: RecordedRequest): Reply => {
    const { method, path, headers } = request;
    const apiKey = headers['x-algolia-api-key'];
    if (headers['x-algolia-application-id'] !== ALGOLIA_APP_ID || typeof apiKey !== 'string') {
      return error(403, 'Invalid Application-ID or API key');
    }
    const isAdmin = apiKey === adminKey;
    const single = /^\/1\/keys\/([^/]+)$/.exec(path);
    if (single && method === 'GET') {
      const value = decodeURIComponent(single[1] as string);
      // A key other than the admin key may read only itself.
      if (!isAdmin && apiKey !== value) return error(403, 'Invalid Application-ID or API key');
      const key = visible(value);
      if (!key)
        return error(
          isAdmin ? 404 : 403,
          isAdmin ? 'Key does not exist' : 'Invalid Application-ID or API key',
        );
      if (key.pendingMisses > 0) {
        key.pendingMisses--;
        return error(404, 'Key does not exist');
      }
      return { status: 200, body: { ...render(key), description: isAdmin ? key.description : '<redacted>' } };
    }
    if (!isAdmin) return error(403, 'Invalid Application-ID or API key');
    if (path === '/1/keys' && method === 'POST') {
      const body = request.body as Record<string, unknown> | undefined;
      if (typeof body !== 'object' || body === null) return error(400, 'Invalid JSON');
      const extra = Object.keys(body).find((field) => !API_KEY_FIELDS.has(field));
      if (extra) return error(400, `Unknown field ${extra}`);
      if (!Array.isArray(body.acl)) return error(400, 'acl is required');
      const unknown = body.acl.find((acl) => typeof acl !== 'string' || !ACLS.has(acl));
      if (unknown !== undefined) return error(400, 'Invalid ACL');
      if (body.validity !== undefined && !Number.isInteger(body.validity))
        return error(400, 'Invalid validity');
      const value = randomBytes(16).toString('hex');
      keys.set(value, {
        value,
        description: typeof body.description === 'string' ? body.description : '',
        acl: body.acl as string[],
        indexes: Array.isArray(body.indexes) ? (body.indexes as string[]) : [],
        validity: (body.validity as number | undefined) ?? 0,
        createdAt: Date.now(),
        deleted: false,
        pendingMisses: options.propagationMisses ?? 0,
      });
      return { status: 200, body: { key: value, createdAt: new Date().toISOString() } };
    }
    if (path === '/1/keys' && method === 'GET') {
      return {
        status: 200,
        body: { keys: [...keys.values()].filter((key) => !key.deleted).map(render) },
      };
    }
    if (single && method === 'DELETE') {
      const key = visible(decodeURIComponent(single[1] as string));
      if (!key) return error(404, 'Key does not exist');
      key.deleted = true;
      return { status: 200, body: { deletedAt: new Date().toISOString() } };
    }
    return error(404, 'Not found');
  };

  const server = await FakeHttpServer.start(route);
  const byKeyId = (keyId: string) => [...keys.values()].find((key) => fingerprintOf(key.value) === keyId);
  return {
    server,
    keys,
    adminCredential: adminKey,
    settings: { 'application-id': ALGOLIA_APP_ID, acl: 'search' },
    isLive: (keyId) => byKeyId(keyId)?.deleted === false,
    liveKeyIds: () => [...keys.values()].filter((key) => !key.deleted).map((key) => fingerprintOf(key.value)),
    issuedSecrets: () => [adminKey, ...keys.keys()],
    rateLimitReply: (seconds) => ({
      ...error(429, 'Too many requests'),
      headers: {
        'x-ratelimit-limit': '100',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + seconds),
      },
    }),
    serverErrorReply: () => error(500, 'Internal error'),
    isCreate: (request) => request.method === 'POST' && request.path === '/1/keys',
    isRevoke: (request) => request.method === 'DELETE' && request.path.startsWith('/1/keys/'),
    isList: (request) => request.method === 'GET' && request.path === '/1/keys',
    isVerify: (request) => request.method === 'GET' && request.path.startsWith('/1/keys/'),
    close: () => server.close(),
  };
}
