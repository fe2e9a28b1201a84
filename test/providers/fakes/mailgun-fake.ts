import { randomBytes } from 'node:crypto';
import { basicAuth, FakeHttpServer, type RecordedRequest, type Reply } from '../support/fake-http-server';
import type { ProviderFake } from '../support/provider-fake';

interface MailgunKey {
  readonly id: string;
  readonly secret: string;
  readonly description: string;
  readonly role: string;
  readonly kind: string;
  readonly domainName: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | undefined;
  deleted: boolean;
}

/** Mailgun's error body: `{ message }`; its 401 is the plain text "Forbidden". */
const error = (status: number, message: string): Reply => ({ status, body: { message } });
const forbidden: Reply = { status: 401, body: 'Forbidden', headers: { 'content-type': 'text/plain' } };

const ROLES = new Set(['admin', 'basic', 'sending', 'developer']);
const KINDS = new Set(['domain', 'user', 'web']);

/** ISO 8601 without an offset, as Mailgun writes its times. */
const mailgunTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '');

/**
 * Mailgun's Keys API (`/v1/keys`) as its reference and OpenAPI spec document
 * it: basic auth `api:<key>`, multipart/form-data only on create (415
 * otherwise), `role` required, `{message, key:{…, secret}}` on create,
 * `{total_count, items}` on list, `{message}` errors, the account-limit 403,
 * and 429 with Retry-After. Verification endpoints: GET /v3/domains for user
 * keys and POST /v3/{domain}/messages (400 for an empty message) for sending keys.
 */
export async function startMailgunFake() {
  const adminKey = `${randomBytes(16).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
  const keys = new Map<string, MailgunKey>();

  const keyFor = (request: RecordedRequest) => {
    const auth = basicAuth(request);
    if (auth?.user !== 'api') return undefined;
    const key = [...keys.values()].find(
      (candidate) => candidate.secret === auth.password && !candidate.deleted,
    );
    if (!key || (key.expiresAt && Date.parse(`${key.expiresAt}Z`) <= Date.now())) return undefined;
    return key;
  };
  const render = (key: MailgunKey) => ({
    id: key.id,
    description: key.description,
    kind: key.kind,
    role: key.role,
    created_at: key.createdAt,
    updated_at: key.createdAt,
    ...(key.expiresAt ? { expires_at: key.expiresAt } : {}),
    is_disabled: false,
    domain_name: key.domainName,
    requestor: null,
    user_name: null,
  });

  const route = (request: RecordedRequest): Reply => {
    const { method, path } = request;
    const auth = basicAuth(request);
    const isAdmin = auth?.user === 'api' && auth.password === adminKey;

    if (path === '/v3/domains' && method === 'GET') {
      const key = isAdmin ? undefined : keyFor(request);
      if (!isAdmin && key?.kind !== 'user') return forbidden;
      return { status: 200, body: { total_count: 1, items: [{ name: 'mg.example.com', state: 'active' }] } };
    }
    const messages = /^\/v3\/([^/]+)\/messages$/.exec(path);
    if (messages && method === 'POST') {
      const key = isAdmin ? undefined : keyFor(request);
      const allowed = isAdmin || (key && (key.kind === 'user' || key.domainName === messages[1]));
      if (!allowed) return forbidden;
      const fields = (request.body ?? {}) as Record<string, unknown>;
      if (!fields.from) return error(400, 'from parameter is missing');
      return error(400, 'fake refuses to send mail');
    }

    if (!isAdmin) return forbidden;
    if (path === '/v1/keys' && method === 'POST') {
      if (!request.contentType?.includes('multipart/form-data')) return error(415, 'Unsupported Media Type');
      const fields = request.body as Record<string, string>;
      if (!fields.role || !ROLES.has(fields.role)) return error(400, 'role is required');
      const kind = fields.kind ?? 'user';
      if (!KINDS.has(kind)) return error(400, 'invalid kind');
      if ((fields.role === 'sending') !== (kind === 'domain'))
        return error(400, "'sending' role requires 'domain' kind");
      if (kind === 'domain' && !fields.domain_name)
        return error(400, 'domain_name is required for domain keys');
      let expiresAt: string | undefined;
      if (fields.expiration !== undefined) {
        const seconds = Number(fields.expiration);
        if (!Number.isInteger(seconds) || seconds <= 0)
          return error(400, 'expiration must be greater than 0');
        expiresAt = mailgunTime(Date.now() + seconds * 1000);
      }
      const key: MailgunKey = {
        id: `${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`,
        secret: `${randomBytes(16).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`,
        description: fields.description ?? '',
        role: fields.role,
        kind,
        domainName: kind === 'domain' ? (fields.domain_name as string) : null,
        createdAt: mailgunTime(Date.now()),
        expiresAt,
        deleted: false,
      };
      keys.set(key.id, key);
      return { status: 200, body: { message: 'great success', key: { ...render(key), secret: key.secret } } };
    }
    if (path === '/v1/keys' && method === 'GET') {
      const kind = request.query.get('kind');
      if (kind !== null && !KINDS.has(kind))
        return error(400, 'expected `kind` param to be one of [domain user web] or absent');
      const domain = request.query.get('domain_name');
      const items = [...keys.values()]
        .filter((key) => !key.deleted)
        .filter((key) => kind === null || key.kind === kind)
        .filter((key) => domain === null || key.domainName === domain)
        .map(render);
      return { status: 200, body: { total_count: items.length, items } };
    }
    const single = /^\/v1\/keys\/([^/]+)$/.exec(path);
    if (single && method === 'DELETE') {
      const key = keys.get(decodeURIComponent(single[1] as string));
      if (!key || key.deleted) return error(404, 'no key matching id');
      key.deleted = true;
      return { status: 200, body: { message: 'key deleted' } };
    }
    return error(404, 'not found');
  };

  const server = await FakeHttpServer.start(route);
  const fake: ProviderFake & { keys: Map<string, MailgunKey> } = {
    server,
    keys,
    adminCredential: adminKey,
    settings: { role: 'basic' },
    isLive: (keyId) => keys.get(keyId)?.deleted === false,
    liveKeyIds: () => [...keys.values()].filter((key) => !key.deleted).map((key) => key.id),
    issuedSecrets: () => [adminKey, ...[...keys.values()].map((key) => key.secret)],
    rateLimitReply: (seconds) => ({
      ...error(429, 'Too Many Requests'),
      headers: { 'retry-after': String(seconds) },
    }),
    serverErrorReply: () => error(500, 'Internal Server Error'),
    isCreate: (request) => request.method === 'POST' && request.path === '/v1/keys',
    isRevoke: (request) => request.method === 'DELETE' && request.path.startsWith('/v1/keys/'),
    isList: (request) => request.method === 'GET' && request.path === '/v1/keys',
    isVerify: (request) =>
      (request.method === 'GET' && request.path === '/v3/domains') ||
      (request.method === 'POST' && /^\/v3\/[^/]+\/messages$/.test(request.path)),
    close: () => server.close(),
  };
  return fake;
}
