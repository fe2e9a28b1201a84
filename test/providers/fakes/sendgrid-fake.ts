import { randomBytes } from 'node:crypto';
import { bearerToken, FakeHttpServer, type RecordedRequest, type Reply } from '../support/fake-http-server';
import type { ProviderFake } from '../support/provider-fake';

interface SendGridKey {
  readonly id: string;
  readonly name: string;
  readonly secret: string;
  readonly scopes: readonly string[];
  revoked: boolean;
  /** Verification attempts to refuse before the key works (propagation). */
  pendingRefusals: number;
}

/** SendGrid's documented error body: `{ errors: [{ field, message }] }`. */
const error = (status: number, message: string, field: string | null = null): Reply => ({
  status,
  body: { errors: [{ field, message }] },
});

/** SendGrid allows at most 100 API keys per user (its 403 says so). */
const KEY_LIMIT = 100;

export interface SendGridFakeOptions {
  /** Verification attempts each new key refuses before it works. */
  readonly propagationRefusals?: number;
}

/**
 * SendGrid's API Keys and Scopes endpoints as its v3 reference and OpenAPI
 * spec document them: bearer auth, 201 with `api_key` on create, `result` on
 * list, 204 on delete, `{errors:[…]}` bodies, the 100-key 403, 429 with
 * X-RateLimit-* headers.
 */
export async function startSendGridFake(
  options: SendGridFakeOptions = {},
): Promise<ProviderFake & { keys: Map<string, SendGridKey> }> {
  const adminKey = `SG.${randomBytes(11).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
  const keys = new Map<string, SendGridKey>();

  const isAdmin = (request: RecordedRequest) => bearerToken(request) === adminKey;
  const route = (request: RecordedRequest): Reply => {
    const { method, path } = request;
    if (path === '/v3/scopes' && method === 'GET') {
      const token = bearerToken(request);
      if (token === adminKey)
        return { status: 200, body: { scopes: ['api_keys.create', 'api_keys.read', 'api_keys.delete'] } };
      const key = [...keys.values()].find((candidate) => candidate.secret === token && !candidate.revoked);
      if (!key) return error(401, 'authorization required');
      if (key.pendingRefusals > 0) {
        key.pendingRefusals--;
        return error(401, 'authorization required');
      }
      return { status: 200, body: { scopes: key.scopes } };
    }
    if (!isAdmin(request)) return error(401, 'authorization required');
    if (path === '/v3/api_keys' && method === 'POST') {
      const body = request.body as { name?: unknown; scopes?: unknown } | undefined;
      if (typeof body?.name !== 'string' || body.name === '')
        return error(400, 'missing required argument', 'name');
      if (
        body.scopes !== undefined &&
        !(Array.isArray(body.scopes) && body.scopes.every((s) => typeof s === 'string'))
      ) {
        return error(400, 'scopes must be an array of strings', 'scopes');
      }
      if ([...keys.values()].filter((key) => !key.revoked).length >= KEY_LIMIT) {
        return error(403, 'Cannot create more than 100 API keys');
      }
      const id = randomBytes(16).toString('base64url');
      const secret = `SG.${id}.${randomBytes(32).toString('base64url')}`;
      const scopes = (body.scopes as string[] | undefined) ?? ['full.access'];
      keys.set(id, {
        id,
        name: body.name,
        secret,
        scopes,
        revoked: false,
        pendingRefusals: options.propagationRefusals ?? 0,
      });
      return { status: 201, body: { api_key: secret, api_key_id: id, name: body.name, scopes } };
    }
    if (path === '/v3/api_keys' && method === 'GET') {
      const limit = Number(request.query.get('limit') ?? 500);
      const result = [...keys.values()].filter((key) => !key.revoked).slice(0, limit);
      return { status: 200, body: { result: result.map((key) => ({ name: key.name, api_key_id: key.id })) } };
    }
    const match = /^\/v3\/api_keys\/([^/]+)$/.exec(path);
    if (match && method === 'DELETE') {
      const key = keys.get(decodeURIComponent(match[1] as string));
      if (!key || key.revoked) return error(404, 'unable to find API Key');
      key.revoked = true;
      return { status: 204 };
    }
    return error(404, 'not found');
  };

  const server = await FakeHttpServer.start(route);
  return {
    server,
    keys,
    adminCredential: adminKey,
    settings: { scopes: 'mail.send' },
    isLive: (keyId) => keys.get(keyId)?.revoked === false,
    liveKeyIds: () => [...keys.values()].filter((key) => !key.revoked).map((key) => key.id),
    issuedSecrets: () => [adminKey, ...[...keys.values()].map((key) => key.secret)],
    rateLimitReply: (seconds) => ({
      ...error(429, 'too many requests'),
      headers: {
        'x-ratelimit-limit': '150',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + seconds),
      },
    }),
    serverErrorReply: () => error(500, 'internal error'),
    isCreate: (request) => request.method === 'POST' && request.path === '/v3/api_keys',
    isRevoke: (request) => request.method === 'DELETE' && request.path.startsWith('/v3/api_keys/'),
    isList: (request) => request.method === 'GET' && request.path === '/v3/api_keys',
    isVerify: (request) => request.method === 'GET' && request.path === '/v3/scopes',
    close: () => server.close(),
  };
}
