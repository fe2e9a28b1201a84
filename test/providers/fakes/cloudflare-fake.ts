import { randomBytes } from 'node:crypto';
import { bearerToken, FakeHttpServer, type RecordedRequest, type Reply } from '../support/fake-http-server';
import type { ProviderFake } from '../support/provider-fake';

interface CloudflareToken {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  readonly owner: string;
  readonly policies: unknown;
  readonly issuedOn: string;
  readonly expiresOn: string | undefined;
  status: 'active' | 'disabled';
  deleted: boolean;
}

/** Cloudflare's failure envelope: `{ success: false, errors: [{ code, message }], messages: [], result: null }`. */
const failure = (status: number, code: number, message: string): Reply => ({
  status,
  body: { success: false, errors: [{ code, message }], messages: [], result: null },
});
const success = (result: unknown, extra: Record<string, unknown> = {}): Reply => ({
  status: 200,
  body: { success: true, errors: [], messages: [], result, ...extra },
});

export const CLOUDFLARE_ACCOUNT_ID = '023e105f4ecef8ad9ca31a8372d0c353';

export interface CloudflareFakeOptions {
  /** Verifications each new token refuses before it works (propagation). */
  readonly propagationRefusals?: number;
}

/**
 * Cloudflare's API token endpoints, user-owned (`/user/tokens`) and
 * account-owned (`/accounts/{account_id}/tokens`), as the API reference and the
 * 2024 OpenAPI schema describe them: bearer auth, the
 * `{success, errors, messages, result}` envelope, the token value only in the
 * create answer, `tokens/verify` with the token's status, `expires_on`
 * enforced, paginated lists, and 429 with Retry-After and Ratelimit headers.
 */
export async function startCloudflareFake(options: CloudflareFakeOptions = {}) {
  const adminToken = randomBytes(30).toString('base64url');
  const tokens = new Map<string, CloudflareToken>();
  const refusals = new Map<string, number>();
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;

  const statusOf = (token: CloudflareToken) =>
    token.status === 'active' && token.expiresOn !== undefined && Date.parse(token.expiresOn) <= now()
      ? 'expired'
      : token.status;
  const render = (token: CloudflareToken) => ({
    id: token.id,
    name: token.name,
    status: statusOf(token),
    issued_on: token.issuedOn,
    modified_on: token.issuedOn,
    ...(token.expiresOn ? { expires_on: token.expiresOn } : {}),
    policies: token.policies,
  });

  const route = (request: RecordedRequest): Reply => {
    const { method, path } = request;
    const owned = /^(\/user\/tokens|\/accounts\/([^/]+)\/tokens)(?:\/([^/]+))?$/.exec(path);
    if (!owned) return failure(404, 7003, 'No route for the URI');
    const owner = owned[1] as string;
    if (owned[2] !== undefined && owned[2] !== CLOUDFLARE_ACCOUNT_ID) {
      return failure(403, 9109, 'Unauthorized to access requested resource');
    }
    const tail = owned[3];
    const bearer = bearerToken(request);

    if (tail === 'verify' && method === 'GET') {
      const token = [...tokens.values()].find((t) => t.value === bearer && t.owner === owner && !t.deleted);
      if (!token) return failure(401, 1000, 'Invalid API Token');
      const left = refusals.get(token.id) ?? 0;
      if (left > 0) {
        refusals.set(token.id, left - 1);
        return failure(401, 1000, 'Invalid API Token');
      }
      const status = statusOf(token);
      if (status !== 'active') return failure(401, 1000, 'Invalid API Token');
      return success(
        {
          id: token.id,
          status,
          ...(token.expiresOn ? { expires_on: token.expiresOn } : {}),
        },
        { messages: [{ code: 10000, message: 'This API Token is valid and active' }] },
      );
    }
    if (bearer !== adminToken) return failure(403, 10000, 'Authentication error');

    if (tail === undefined && method === 'POST') {
      const body = request.body as Record<string, unknown> | undefined;
      if (typeof body?.name !== 'string' || body.name === '' || body.name.length > 120) {
        return failure(400, 1001, 'name is required and at most 120 characters');
      }
      const policies = body.policies;
      const validPolicy = (policy: Record<string, unknown>) =>
        (policy.effect === 'allow' || policy.effect === 'deny') &&
        Array.isArray(policy.permission_groups) &&
        policy.permission_groups.length > 0 &&
        policy.permission_groups.every((group: { id?: unknown }) => typeof group?.id === 'string') &&
        typeof policy.resources === 'object' &&
        policy.resources !== null &&
        Object.keys(policy.resources).length > 0;
      if (!Array.isArray(policies) || policies.length === 0 || !policies.every(validPolicy)) {
        return failure(400, 1001, 'policies are invalid');
      }
      if (body.expires_on !== undefined) {
        if (
          typeof body.expires_on !== 'string' ||
          !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(body.expires_on)
        ) {
          return failure(400, 1001, 'expires_on must be an RFC 3339 time');
        }
        if (Date.parse(body.expires_on) <= now())
          return failure(400, 1001, 'expires_on must be in the future');
      }
      const token: CloudflareToken = {
        id: randomBytes(16).toString('hex'),
        name: body.name,
        value: randomBytes(30).toString('base64url'),
        owner,
        policies,
        issuedOn: new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        expiresOn: body.expires_on as string | undefined,
        status: 'active',
        deleted: false,
      };
      tokens.set(token.id, token);
      refusals.set(token.id, options.propagationRefusals ?? 0);
      return success({ ...render(token), value: token.value });
    }
    if (tail === undefined && method === 'GET') {
      const perPage = Number(request.query.get('per_page') ?? 20);
      const page = Number(request.query.get('page') ?? 1);
      if (!Number.isInteger(perPage) || perPage < 5 || perPage > 50)
        return failure(400, 1001, 'per_page out of range');
      const all = [...tokens.values()].filter((t) => t.owner === owner && !t.deleted);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      return success(slice.map(render), {
        result_info: {
          page,
          per_page: perPage,
          count: slice.length,
          total_count: all.length,
          total_pages: Math.max(1, Math.ceil(all.length / perPage)),
        },
      });
    }
    if (tail !== undefined && method === 'DELETE') {
      const token = tokens.get(tail);
      if (!token || token.deleted || token.owner !== owner) return failure(404, 1003, 'Token not found');
      token.deleted = true;
      return success({ id: token.id });
    }
    return failure(405, 10405, 'Method not allowed');
  };

  const server = await FakeHttpServer.start(route);
  const fake: ProviderFake & {
    tokens: Map<string, CloudflareToken>;
    /** Moves the fake's clock, to pass a token's expires_on. */
    advance(ms: number): void;
  } = {
    server,
    tokens,
    advance: (ms) => {
      offsetMs += ms;
    },
    adminCredential: adminToken,
    settings: {
      'permission-groups': 'c8fed203ed3043cba015a93ad1616f1f',
      resources: `com.cloudflare.api.account.zone.22b1de5f1c0e4b3ea97bb1e963b06a43`,
    },
    isLive: (keyId) => {
      const token = tokens.get(keyId);
      return token !== undefined && !token.deleted && statusOf(token) === 'active';
    },
    liveKeyIds: () => [...tokens.values()].filter((t) => !t.deleted).map((t) => t.id),
    issuedSecrets: () => [adminToken, ...[...tokens.values()].map((t) => t.value)],
    rateLimitReply: (seconds) => ({
      ...failure(429, 971, 'Please wait and consider throttling your request speed'),
      headers: {
        'retry-after': String(seconds),
        ratelimit: `"default";r=0;t=${seconds}`,
        'ratelimit-policy': '"default";q=1200;w=300',
      },
    }),
    serverErrorReply: () => failure(500, 10001, 'Internal server error'),
    isCreate: (request) => request.method === 'POST' && /\/tokens$/.test(request.path),
    isRevoke: (request) => request.method === 'DELETE' && /\/tokens\/[^/]+$/.test(request.path),
    isList: (request) => request.method === 'GET' && /\/tokens$/.test(request.path),
    isVerify: (request) => request.method === 'GET' && /\/tokens\/verify$/.test(request.path),
    close: () => server.close(),
  };
  return fake;
}
