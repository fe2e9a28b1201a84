import { constants, createDecipheriv, generateKeyPair, type KeyObject, privateDecrypt } from 'node:crypto';
import { promisify } from 'node:util';
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
 * Stripe secret keys through the v2 IAM API (`/v2/iam/api_keys`), which only
 * an installed Stripe App holding the `api_key_write` permission may call,
 * acting for the account that installed it through the `Stripe-Context` header.
 * No OpenAPI spec for v2 IAM was available (test/fixtures/specs/README.md);
 * shapes follow Stripe's generated SDK types (docs/providers/stripe.md says
 * what is confirmed and what is not).
 *
 * - Admin credential: the Stripe App's own secret key (`sk_live_…`/`sk_test_…`
 *   or a restricted `rk_…` key of the app's account), plain or JSON `{"apiKey":…}`.
 * - Settings: `rotor:account` (required, `acct_…`: the account whose keys are
 *   rotated, sent as Stripe-Context), `rotor:permissions` (required: the new
 *   key's permissions, comma- or space-separated; Stripe has no wildcard),
 *   `rotor:stripe-version` (the preview API version that serves v2 IAM).
 * - Without `rotor:admin-secret` (no Stripe App), Stripe keys are rotated in
 *   assisted mode (docs/providers/assisted.md).
 * - Rotation is create-then-expire: never `/rotate`, which kills the old key
 *   at once or on a timer set before the new key is verified. The old key is
 *   expired when Rotor's grace period ends (`revoke`).
 * - In live mode Stripe returns the new secret only encrypted to a public key
 *   the request supplies (compact JWE, RSA-OAEP(-256) + A256GCM): Rotor makes
 *   a fresh RSA-2048 key pair per create and keeps the private key in memory
 *   for that one call. Test mode returns the token in plain text.
 */
const HOSTS = { global: 'https://api.stripe.com' } as const;

/** The preview version Stripe serves v2 IAM under (not confirmed from Stripe's reference; overridable by tag). */
export const DEFAULT_STRIPE_VERSION = '2026-08-26.preview';

/** Stripe documents no propagation delay; a short bounded retry absorbs it. */
const PROPAGATION = { attempts: 5, delayMs: 2_000 } as const;

/** Stripe sends no wait hint on 429 and asks clients to back off exponentially: start at one second or more. */
const STRIPE_RETRY = { baseDelayMs: 2_000 } as const;

const MAX_LIST_PAGES = 50;

export const stripe: ProviderAdapter = {
  id: 'stripe',
  displayName: 'Stripe',
  mode: 'api',
  propagation: PROPAGATION,
  assisted: {
    createSteps:
      'In the Stripe Dashboard (Developers > API keys), create a restricted key with the same permissions ' +
      'as the current one, then supply it through the Rotor CLI. Do not expire the current key yet.',
    revokeSteps:
      'In the Stripe Dashboard (Developers > API keys), expire the old key named in this event, then ' +
      'confirm the revocation through the Rotor CLI.',
    verifiable: true,
  },
  connect: (options) => new StripeConnection(options),
  async verify(credential, context) {
    // GET /v1/balance is a cheap read. A restricted key without balance_read gets 403, which still
    // proves Stripe accepted the key; an unknown or expired key gets 401.
    const verifier = verificationClient(
      {
        provider: 'stripe',
        baseUrl: baseUrlFor(context),
        defaultHeaders: { authorization: `Bearer ${credential.apiKey}` },
        retry: { ...STRIPE_RETRY },
      },
      context,
    );
    await verifier.request({
      operation: 'verify key',
      method: 'GET',
      path: '/v1/balance',
      idempotent: true,
      acceptStatuses: [403],
    });
  },
};

function baseUrlFor(context: ProviderContext): string {
  return resolveEndpoint({
    provider: 'stripe',
    secretName: context.secretName,
    officialHosts: HOSTS,
    defaultHost: 'global',
    setting: 'region',
    selected: context.settings.region,
    override: context.endpointOverride,
  });
}

interface ApiKeyObject {
  id?: unknown;
  name?: unknown;
  status?: unknown;
  created?: unknown;
  secret_key?: { token?: unknown; encrypted_secret?: { ciphertext?: unknown; format?: unknown } };
}

class StripeConnection implements ProviderConnection {
  private readonly http: ProviderHttpClient;
  private readonly account: string;
  private readonly permissions: readonly string[];

  constructor(private readonly options: ConnectOptions) {
    const { settings, secretName } = options;
    const account = settings.account?.trim();
    if (!account || !/^acct_\w+$/.test(account)) {
      throw new ManagedSecretConfigError(
        secretName,
        'rotor:account',
        account ? 'is not a Stripe account id (acct_…)' : 'is missing',
      );
    }
    this.account = account;
    this.permissions = (settings.permissions ?? '').split(/[\s,]+/).filter(Boolean);
    const version = settings['stripe-version']?.trim() || DEFAULT_STRIPE_VERSION;
    if (!/^[\w.-]+$/.test(version)) {
      throw new ManagedSecretConfigError(secretName, 'rotor:stripe-version', 'is not a Stripe API version');
    }
    this.http = new ProviderHttpClient({
      provider: 'stripe',
      baseUrl: baseUrlFor(options),
      defaultHeaders: {
        authorization: `Bearer ${parseAppKey(options.adminCredential)}`,
        'stripe-context': account,
        'stripe-version': version,
      },
      ...options.http,
      retry: { ...STRIPE_RETRY, ...options.http?.retry },
    });
  }

  async create(request: CreateKeyRequest): Promise<MintedKey> {
    if (this.permissions.length === 0) {
      throw new ManagedSecretConfigError(this.options.secretName, 'rotor:permissions', 'is missing');
    }
    const { publicKey, privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
    const response = await this.http.request({
      operation: 'create key',
      method: 'POST',
      path: '/v2/iam/api_keys',
      // Replays a 429-retried create instead of minting twice (the same body, key pair included).
      headers: { 'idempotency-key': `${request.name}-${Date.now()}` },
      body: {
        type: 'secret_key',
        name: request.name,
        note: `Managed by Rotor for ${this.options.secretName}`,
        permissions: this.permissions,
        public_key: {
          id: request.name,
          pem_key: { algorithm: 'RSA', data: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
        },
      },
      idempotent: false,
    });
    const body = response.body as ApiKeyObject | undefined;
    if (typeof body?.id !== 'string') {
      throw new ProviderResponseError('stripe', 'create key', response.status, 'response lacks id');
    }
    const secret = body.secret_key;
    let apiKey: string;
    if (typeof secret?.token === 'string') {
      apiKey = secret.token;
    } else if (typeof secret?.encrypted_secret?.ciphertext === 'string') {
      apiKey = decryptCompactJwe(secret.encrypted_secret.ciphertext, privateKey, response.status);
    } else {
      throw new ProviderResponseError('stripe', 'create key', response.status, 'response lacks secret_key');
    }
    return {
      keyId: body.id,
      name: request.name,
      credential: { apiKey },
      publicFields: { stripeAccount: this.account },
    };
  }

  async revoke(keyId: string): Promise<'revoked' | 'already-gone'> {
    const path = `/v2/iam/api_keys/${encodeURIComponent(keyId)}`;
    // Expire is a POST whose answer for an expired key is undocumented: look first.
    const current = await this.http.request({
      operation: 'retrieve key',
      method: 'GET',
      path,
      idempotent: true,
      acceptStatuses: [404],
    });
    if (current.status === 404 || (current.body as ApiKeyObject | undefined)?.status === 'expired') {
      return 'already-gone';
    }
    return this.http.revoke({
      operation: 'expire key',
      method: 'POST',
      path: `${path}/expire`,
      headers: { 'idempotency-key': `expire-${keyId}` },
    });
  }

  async listOwnKeys(namePrefix: string): Promise<readonly OwnedKey[]> {
    const owned: OwnedKey[] = [];
    let path = '/v2/iam/api_keys';
    let query: Record<string, string | number> | undefined = { limit: 100 };
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const response = await this.http.request({
        operation: 'list keys',
        method: 'GET',
        path,
        query,
        idempotent: true,
      });
      const body = response.body as { data?: unknown; next_page_url?: unknown } | undefined;
      if (!Array.isArray(body?.data)) {
        throw new ProviderResponseError('stripe', 'list keys', response.status, 'response lacks data');
      }
      // List items carry live secrets in test mode: only id, name, status and created are read.
      for (const key of body.data as ApiKeyObject[]) {
        if (typeof key?.id !== 'string' || typeof key.name !== 'string') continue;
        if (key.status === 'expired' || !key.name.startsWith(namePrefix)) continue;
        const created = typeof key.created === 'string' ? new Date(key.created) : undefined;
        owned.push({
          keyId: key.id,
          name: key.name,
          ...(created && !Number.isNaN(created.getTime()) ? { createdAt: created } : {}),
        });
      }
      const next = nextPagePath(body.next_page_url);
      if (!next) break;
      path = next;
      query = undefined;
    }
    return owned;
  }
}

const generateRsaKeyPair = promisify(generateKeyPair) as (
  type: 'rsa',
  options: { modulusLength: number },
) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

/**
 * `next_page_url` is a path with its query on Stripe's API. Only a relative
 * path is followed, so a crafted answer cannot send the app key elsewhere.
 */
function nextPagePath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return value.startsWith('/v2/iam/api_keys') ? value : undefined;
}

/** Decrypts Stripe's compact JWE: RSA-OAEP or RSA-OAEP-256 key wrapping, A256GCM content. */
export function decryptCompactJwe(jwe: string, privateKey: KeyObject, status: number): string {
  const fail = (detail: string) => new ProviderResponseError('stripe', 'create key', status, detail);
  const parts = jwe.split('.');
  if (parts.length !== 5) throw fail('encrypted secret is not a compact JWE');
  const [headerPart, keyPart, ivPart, cipherPart, tagPart] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  let header: { alg?: unknown; enc?: unknown };
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
  } catch {
    throw fail('encrypted secret has an unreadable header');
  }
  const oaepHash = header.alg === 'RSA-OAEP-256' ? 'sha256' : header.alg === 'RSA-OAEP' ? 'sha1' : undefined;
  if (!oaepHash) throw fail('encrypted secret uses an unsupported key algorithm');
  if (header.enc !== 'A256GCM') throw fail('encrypted secret uses an unsupported content encryption');
  try {
    const contentKey = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
      Buffer.from(keyPart, 'base64url'),
    );
    const decipher = createDecipheriv('aes-256-gcm', contentKey, Buffer.from(ivPart, 'base64url'));
    decipher.setAAD(Buffer.from(headerPart, 'ascii'));
    decipher.setAuthTag(Buffer.from(tagPart, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(cipherPart, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw fail('encrypted secret could not be decrypted');
  }
}

function parseAppKey(credential: string): string {
  return parseSingleKeyCredential(credential, {
    provider: 'Stripe',
    noun: 'key',
    pattern: /^(sk|rk)_(live|test)_\w+$/,
    expected: "the Stripe App's secret key (sk_… or rk_…)",
  });
}
