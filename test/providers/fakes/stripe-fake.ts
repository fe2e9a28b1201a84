import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { bearerToken, FakeHttpServer, type RecordedRequest, type Reply } from '../support/fake-http-server';
import type { ProviderFake } from '../support/provider-fake';

interface StripeKey {
  readonly id: string;
  readonly name: string;
  readonly token: string;
  readonly created: string;
  readonly permissions: readonly string[];
  status: 'active' | 'expired';
}

/** Stripe's error body: `{ error: { type, code, message } }`. */
const error = (status: number, type: string, message: string, code?: string): Reply => ({
  status,
  body: { error: { type, message, ...(code ? { code } : {}) } },
});

export const STRIPE_FAKE_ACCOUNT = 'acct_1RotorTestAcct';

export interface StripeFakeOptions {
  /** Test mode answers with the token in plain text; live mode (default) only encrypted to the caller's key. */
  readonly livemode?: boolean;
  /** The JWE key-wrapping algorithm live mode uses. */
  readonly alg?: 'RSA-OAEP' | 'RSA-OAEP-256';
}

/**
 * Stripe's v2 IAM API keys as its SDK types document them (no OpenAPI spec was
 * available): the app's secret key as bearer, `Stripe-Context` naming the
 * account, `Stripe-Version`; create with `type`, `name`, `permissions` and a
 * PEM `public_key`; in live mode `secret_key.encrypted_secret` (compact JWE),
 * in test mode `secret_key.token`; retrieve; `POST …/{id}/expire`; list pages
 * of `data` with `next_page_url`. A 429 carries no wait hint, as Stripe
 * documents none. GET /v1/balance answers a key 200, or 403 when it lacks
 * `balance_read`.
 */
export async function startStripeFake(
  options: StripeFakeOptions = {},
): Promise<ProviderFake & { keys: Map<string, StripeKey> }> {
  const appKey = `sk_test_${randomBytes(24).toString('hex')}`;
  const livemode = options.livemode ?? true;
  const keys = new Map<string, StripeKey>();

  const route = (request: RecordedRequest): Reply => {
    const { method, path } = request;
    if (path === '/v1/balance' && method === 'GET') {
      const key = [...keys.values()].find((k) => k.token === bearerToken(request) && k.status === 'active');
      if (!key) return error(401, 'invalid_request_error', 'Invalid API Key provided.', 'api_key_expired');
      if (!key.permissions.includes('balance_read')) {
        return error(
          403,
          'invalid_request_error',
          'The provided key does not have the required permissions.',
        );
      }
      return { status: 200, body: { object: 'balance', available: [], pending: [], livemode } };
    }
    if (bearerToken(request) !== appKey) {
      return error(401, 'invalid_request_error', 'Invalid API Key provided.');
    }
    if (!path.startsWith('/v2/iam/api_keys'))
      return error(404, 'invalid_request_error', 'Unrecognized request URL.');
    if (request.headers['stripe-context'] !== STRIPE_FAKE_ACCOUNT) {
      return error(403, 'invalid_request_error', 'The app is not installed on this account.');
    }
    if (!String(request.headers['stripe-version'] ?? '').endsWith('.preview')) {
      return error(400, 'invalid_request_error', 'This API is only available in a preview version.');
    }

    if (path === '/v2/iam/api_keys' && method === 'POST') {
      const body = request.body as
        | {
            type?: unknown;
            name?: unknown;
            permissions?: unknown;
            public_key?: { pem_key?: { data?: unknown } };
          }
        | undefined;
      if (body?.type !== 'secret_key' && body?.type !== 'publishable_key') {
        return error(400, 'invalid_request_error', 'type: Required field.');
      }
      const pem = body.public_key?.pem_key?.data;
      if (livemode && typeof pem !== 'string') {
        return error(400, 'invalid_request_error', 'public_key: Required to create a livemode secret key.');
      }
      const id = `mk_${randomBytes(12).toString('hex')}`;
      const token = `rk_${livemode ? 'live' : 'test'}_${randomBytes(32).toString('hex')}`;
      const permissions = Array.isArray(body.permissions) ? (body.permissions as string[]) : [];
      const key: StripeKey = {
        id,
        name: typeof body.name === 'string' ? body.name : '',
        token,
        created: new Date().toISOString(),
        permissions,
        status: 'active',
      };
      keys.set(id, key);
      const secretKey = livemode
        ? {
            secret_token_redacted: `rk_live_...${token.slice(-4)}`,
            encrypted_secret: {
              ciphertext: encryptJwe(token, pem as string, options.alg),
              format: 'jwe_compact',
            },
          }
        : { secret_token_redacted: `rk_test_...${token.slice(-4)}`, token };
      return { status: 200, body: { ...view(key), secret_key: secretKey } };
    }
    if (path === '/v2/iam/api_keys' && method === 'GET') {
      const limit = Number(request.query.get('limit') ?? 10);
      if (limit > 100) return error(400, 'invalid_request_error', 'limit: The maximum page limit is 100');
      const page = Number(request.query.get('page') ?? 0);
      const listed = [...keys.values()].filter((key) => key.status === 'active');
      const data = listed.slice(page * limit, (page + 1) * limit);
      const more = (page + 1) * limit < listed.length;
      return {
        status: 200,
        body: {
          // Stripe's list items carry the token in test mode: the adapter must never keep it.
          data: data.map((key) => ({ ...view(key), secret_key: livemode ? {} : { token: key.token } })),
          next_page_url: more ? `/v2/iam/api_keys?limit=${limit}&page=${page + 1}` : null,
          previous_page_url: null,
        },
      };
    }
    const match = /^\/v2\/iam\/api_keys\/([^/]+)(\/expire)?$/.exec(path);
    const key = match ? keys.get(decodeURIComponent(match[1] as string)) : undefined;
    if (match && !key) return error(404, 'invalid_request_error', 'No such api_key.', 'resource_missing');
    if (match && key && method === 'GET' && !match[2]) return { status: 200, body: view(key) };
    if (match && key && method === 'POST' && match[2]) {
      key.status = 'expired';
      return { status: 200, body: view(key) };
    }
    return error(404, 'invalid_request_error', 'Unrecognized request URL.');
  };

  const server = await FakeHttpServer.start(route);
  return {
    server,
    keys,
    adminCredential: appKey,
    settings: { account: STRIPE_FAKE_ACCOUNT, permissions: 'balance_read, charge_read' },
    isLive: (keyId) => keys.get(keyId)?.status === 'active',
    liveKeyIds: () => [...keys.values()].filter((key) => key.status === 'active').map((key) => key.id),
    issuedSecrets: () => [appKey, ...[...keys.values()].map((key) => key.token)],
    rateLimitReply: () => error(429, 'invalid_request_error', 'Too many requests.', 'rate_limit'),
    serverErrorReply: () => error(500, 'api_error', 'An unknown error occurred.'),
    isCreate: (request) => request.method === 'POST' && request.path === '/v2/iam/api_keys',
    isRevoke: (request) => request.method === 'POST' && /\/expire$/.test(request.path),
    isList: (request) => request.method === 'GET' && request.path === '/v2/iam/api_keys',
    isVerify: (request) => request.method === 'GET' && request.path === '/v1/balance',
    close: () => server.close(),
  };
}

function view(key: StripeKey) {
  return {
    id: key.id,
    object: 'v2.iam.api_key',
    type: 'secret_key',
    name: key.name,
    created: key.created,
    status: key.status,
    ip_allowlist: [],
    livemode: key.token.startsWith('rk_live_'),
    permissions: key.permissions,
  };
}

/** Encrypts as Stripe documents for live-mode secrets: compact JWE, RSA-OAEP(-256) + A256GCM. */
export function encryptJwe(
  plaintext: string,
  publicKeyPem: string,
  alg: 'RSA-OAEP' | 'RSA-OAEP-256' = 'RSA-OAEP-256',
) {
  const header = Buffer.from(JSON.stringify({ alg, enc: 'A256GCM' })).toString('base64url');
  const contentKey = randomBytes(32);
  const iv = randomBytes(12);
  const wrapped = publicEncrypt(
    {
      key: createPublicKey(publicKeyPem),
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: alg === 'RSA-OAEP' ? 'sha1' : 'sha256',
    },
    contentKey,
  );
  const cipher = createCipheriv('aes-256-gcm', contentKey, iv);
  cipher.setAAD(Buffer.from(header, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [header, wrapped, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}
