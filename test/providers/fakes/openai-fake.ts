import { randomBytes } from 'node:crypto';
import { bearerToken, FakeHttpServer, type RecordedRequest, type Reply } from '../support/fake-http-server';
import type { ProviderFake } from '../support/provider-fake';

interface ServiceAccount {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly key: { readonly id: string; readonly value: string; readonly expiresAt: number | null };
  deleted: boolean;
}

/** OpenAI's documented error body: `{ error: { message, type, param, code } }`. */
const error = (
  status: number,
  message: string,
  type = 'invalid_request_error',
  code: string | null = null,
): Reply => ({
  status,
  body: { error: { message, type, param: null, code } },
});

export const OPENAI_FAKE_PROJECT = 'proj_rotorTest01';

/**
 * OpenAI's project service-account endpoints and GET /models, as the
 * Administration API reference and the OpenAPI spec document them: admin-key
 * bearer auth, a service account created with its first API key
 * (`expires_in_seconds` 1..31536000), cursor pages of `data`/`has_more`/
 * `last_id`, deletion of the service account revoking its key, `{error:{…}}`
 * bodies, 429 with `retry-after` and `x-ratelimit-*` headers. Paths have no
 * `/v1` prefix, as Prism serves the spec.
 */
export async function startOpenAIFake(): Promise<ProviderFake & { accounts: Map<string, ServiceAccount> }> {
  const adminKey = `sk-admin-${randomBytes(24).toString('base64url')}`;
  const accounts = new Map<string, ServiceAccount>();
  let sequence = 0;
  const projectPath = `/organization/projects/${OPENAI_FAKE_PROJECT}`;

  const liveKeyOwner = (token: string | undefined) =>
    [...accounts.values()].find(
      (account) =>
        !account.deleted &&
        account.key.value === token &&
        (account.key.expiresAt === null || account.key.expiresAt * 1000 > Date.now()),
    );

  const route = (request: RecordedRequest): Reply => {
    const { method, path } = request;
    if (path === '/models' && method === 'GET') {
      if (!liveKeyOwner(bearerToken(request))) {
        return error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      }
      return {
        status: 200,
        body: { object: 'list', data: [{ id: 'gpt-x', object: 'model', created: 1, owned_by: 'openai' }] },
      };
    }
    if (bearerToken(request) !== adminKey) {
      return error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    if (!path.startsWith(`${projectPath}/`)) return error(404, 'No such project.');
    const rest = path.slice(projectPath.length);

    if (rest === '/service_accounts' && method === 'POST') {
      const body = request.body as { name?: unknown; expires_in_seconds?: unknown } | undefined;
      if (typeof body?.name !== 'string' || body.name === '') return error(400, "'name' is required");
      const expiresIn = body.expires_in_seconds;
      if (
        expiresIn !== undefined &&
        expiresIn !== null &&
        (!Number.isInteger(expiresIn) || (expiresIn as number) < 1 || (expiresIn as number) > 31_536_000)
      ) {
        return error(400, "'expires_in_seconds' must be an integer between 1 and 31536000");
      }
      const now = Math.floor(Date.now() / 1000);
      const id = `svc_acct_${++sequence}${randomBytes(6).toString('hex')}`;
      const key = {
        id: `key_${randomBytes(8).toString('hex')}`,
        value: `sk-svcacct-${randomBytes(32).toString('base64url')}`,
        expiresAt: typeof expiresIn === 'number' ? now + expiresIn : null,
      };
      accounts.set(id, { id, name: body.name, createdAt: now, key, deleted: false });
      return {
        status: 200,
        body: {
          object: 'organization.project.service_account',
          id,
          name: body.name,
          role: 'member',
          created_at: now,
          api_key: {
            object: 'organization.project.service_account.api_key',
            value: key.value,
            name: 'Secret Key',
            created_at: now,
            id: key.id,
            expires_at: key.expiresAt,
          },
        },
      };
    }
    if (rest === '/service_accounts' && method === 'GET') {
      const limit = Number(request.query.get('limit') ?? 20);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return error(400, "'limit' must be 1 to 100");
      const live = [...accounts.values()].filter((account) => !account.deleted);
      const after = request.query.get('after');
      const start = after ? live.findIndex((account) => account.id === after) + 1 : 0;
      const page = live.slice(start, start + limit);
      return {
        status: 200,
        body: {
          object: 'list',
          data: page.map((account) => ({
            object: 'organization.project.service_account',
            id: account.id,
            name: account.name,
            role: 'member',
            created_at: account.createdAt,
          })),
          first_id: page[0]?.id ?? null,
          last_id: page.at(-1)?.id ?? null,
          has_more: start + limit < live.length,
        },
      };
    }
    const match = /^\/service_accounts\/([^/]+)$/.exec(rest);
    if (match && method === 'DELETE') {
      const account = accounts.get(decodeURIComponent(match[1] as string));
      if (!account || account.deleted) return error(404, 'No such service account.');
      account.deleted = true;
      return {
        status: 200,
        body: { object: 'organization.project.service_account.deleted', id: account.id, deleted: true },
      };
    }
    return error(404, 'Not found.');
  };

  const server = await FakeHttpServer.start(route);
  return {
    server,
    accounts,
    adminCredential: adminKey,
    settings: { project: OPENAI_FAKE_PROJECT },
    isLive: (keyId) => accounts.get(keyId)?.deleted === false,
    liveKeyIds: () =>
      [...accounts.values()].filter((account) => !account.deleted).map((account) => account.id),
    issuedSecrets: () => [adminKey, ...[...accounts.values()].map((account) => account.key.value)],
    rateLimitReply: (seconds) => ({
      ...error(429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded'),
      headers: {
        'retry-after': String(seconds),
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': `${seconds}s`,
      },
    }),
    serverErrorReply: () =>
      error(500, 'The server had an error while processing your request.', 'server_error'),
    isCreate: (request) => request.method === 'POST' && request.path === `${projectPath}/service_accounts`,
    isRevoke: (request) =>
      request.method === 'DELETE' && request.path.startsWith(`${projectPath}/service_accounts/`),
    isList: (request) => request.method === 'GET' && request.path === `${projectPath}/service_accounts`,
    isVerify: (request) => request.method === 'GET' && request.path === '/models',
    close: () => server.close(),
  };
}
