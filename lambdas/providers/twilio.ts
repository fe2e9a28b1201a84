import { AdminCredentialError, ManagedSecretConfigError } from '../domain/errors';
import { resolveEndpoint } from './endpoint';
import { ProviderRejectedError, ProviderResponseError } from './errors';
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
 * Twilio API keys through the IAM v1 Key resource (`/v1/Keys`).
 *
 * - Admin credential (JSON): `{"accountSid":"AC…","authToken":"…"}` or a
 *   Main API key `{"accountSid":"AC…","apiKeySid":"SK…","apiKeySecret":"…"}`.
 *   Standard and Restricted keys cannot manage keys at all: Twilio reserves
 *   `/v1/Keys` for the auth token and Main keys, which are made in the Console.
 *   Either must belong to the region the secret names.
 * - Settings: `rotor:region` (`us1`, the default, `ie1` or `au1`: keys are
 *   region-specific), `rotor:account-sid` (the account whose keys are managed;
 *   default: the admin credential's), `rotor:key-type` (`standard`, the default,
 *   or `restricted`), `rotor:policy` (restricted keys only: JSON
 *   `{"allow":[…]}` or a comma/space-separated list of permissions).
 * - Consumers read `apiKey` (the key's secret, the basic-auth password),
 *   `apiKeySid` (the key SID, the basic-auth user), `accountSid` and `region`.
 *   Twilio keys have no provider-side expiry.
 */

/** Twilio's processing regions and their hosts ({product}.{edge}.{region}.twilio.com). */
const IAM_HOSTS = {
  us1: 'https://iam.twilio.com',
  ie1: 'https://iam.dublin.ie1.twilio.com',
  au1: 'https://iam.sydney.au1.twilio.com',
} as const;

const API_HOSTS = {
  us1: 'https://api.twilio.com',
  ie1: 'https://api.dublin.ie1.twilio.com',
  au1: 'https://api.sydney.au1.twilio.com',
} as const;

/** Twilio documents no propagation delay for new keys; a short retry absorbs eventual consistency. */
const PROPAGATION = { attempts: 5, delayMs: 2_000 } as const;

/**
 * Twilio's 429 (error 20429) is about concurrency across the whole account and
 * documents no Retry-After, so the first wait starts from a longer base.
 */
const BASE_DELAY_MS = 2_000;

/** FriendlyName's documented limit. */
const MAX_FRIENDLY_NAME = 64;

/** Pages of up to 1000 keys each; more than this many keys means something else is wrong. */
const MAX_LIST_PAGES = 10;

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const KEY_SID = /^SK[0-9a-fA-F]{32}$/;

export const twilio: ProviderAdapter = {
  id: 'twilio',
  displayName: 'Twilio',
  mode: 'api',
  propagation: PROPAGATION,
  connect: (options) => new TwilioConnection(options),
  async verify(credential, context) {
    const accountSid = credential.accountSid ?? context.settings['account-sid'];
    if (!accountSid || !ACCOUNT_SID.test(accountSid)) {
      throw new ManagedSecretConfigError(
        context.secretName,
        'rotor:account-sid',
        'is missing or not an AC… SID',
      );
    }
    // A Standard key may not read /Accounts or /v1/Keys (Twilio answers 20003), so the cheap read
    // is one page of one Usage Record: any Standard key may read it, and Restricted keys may with
    // the Usage Records read permission.
    const verifier = verificationClient(
      {
        provider: 'twilio',
        baseUrl: hostFor(API_HOSTS, context),
        defaultHeaders: { authorization: basic(credential.keyId, credential.apiKey) },
        retry: { baseDelayMs: BASE_DELAY_MS },
      },
      context,
    );
    await verifier.request({
      operation: 'verify key',
      method: 'GET',
      path: `/2010-04-01/Accounts/${accountSid}/Usage/Records.json`,
      query: { PageSize: 1 },
      idempotent: true,
    });
  },
};

type Hosts = Readonly<Record<'us1' | 'ie1' | 'au1', string>>;

function hostFor(hosts: Hosts, context: ProviderContext): string {
  return resolveEndpoint({
    provider: 'twilio',
    secretName: context.secretName,
    officialHosts: hosts,
    defaultHost: 'us1',
    setting: 'region',
    selected: context.settings.region,
    override: context.endpointOverride,
  });
}

interface AdminCredential {
  readonly accountSid: string;
  readonly user: string;
  readonly password: string;
}

interface TwilioKey {
  sid?: unknown;
  friendly_name?: unknown;
  date_created?: unknown;
  secret?: unknown;
}

class TwilioConnection implements ProviderConnection {
  private readonly http: ProviderHttpClient;
  private readonly accountSid: string;
  private readonly region: string;
  private readonly restriction: { readonly keyType: 'restricted'; readonly policy: string } | undefined;

  constructor(options: ConnectOptions) {
    const { settings, secretName } = options;
    const admin = parseAdminCredential(options.adminCredential);
    this.accountSid = settings['account-sid'] ?? admin.accountSid;
    if (!ACCOUNT_SID.test(this.accountSid)) {
      throw new ManagedSecretConfigError(secretName, 'rotor:account-sid', 'is not an AC… SID');
    }
    this.region = (settings.region ?? 'us1').toLowerCase();
    this.restriction = parseRestriction(secretName, settings, this.region);
    this.http = new ProviderHttpClient({
      provider: 'twilio',
      baseUrl: hostFor(IAM_HOSTS, options),
      defaultHeaders: { authorization: basic(admin.user, admin.password) },
      ...options.http,
      retry: { baseDelayMs: BASE_DELAY_MS, ...options.http?.retry },
    });
  }

  async create(request: CreateKeyRequest): Promise<MintedKey> {
    if (request.name.length > MAX_FRIENDLY_NAME) {
      throw new ProviderRejectedError(
        'twilio',
        'create key',
        undefined,
        `FriendlyName is longer than ${MAX_FRIENDLY_NAME} characters: shorten the secret's name`,
      );
    }
    const form = new URLSearchParams({ AccountSid: this.accountSid, FriendlyName: request.name });
    if (this.restriction) {
      form.set('KeyType', this.restriction.keyType);
      form.set('Policy', this.restriction.policy);
    }
    const response = await this.http.request({
      operation: 'create key',
      method: 'POST',
      path: '/v1/Keys',
      body: form,
      idempotent: false,
    });
    const body = response.body as TwilioKey | undefined;
    if (typeof body?.sid !== 'string' || !KEY_SID.test(body.sid) || typeof body.secret !== 'string') {
      throw new ProviderResponseError(
        'twilio',
        'create key',
        response.status,
        'response lacks sid or secret',
      );
    }
    return {
      keyId: body.sid,
      name: request.name,
      credential: { apiKey: body.secret },
      publicFields: {
        apiKeySid: body.sid,
        accountSid: this.accountSid,
        region: this.region,
        ...(this.restriction ? { keyType: 'restricted' } : {}),
      },
    };
  }

  async revoke(keyId: string): Promise<RevokeOutcome> {
    if (!KEY_SID.test(keyId)) {
      // Not a Twilio key SID: refuse rather than send an arbitrary string into a path.
      throw new ProviderRejectedError('twilio', 'revoke key', undefined, 'key id is not an SK… SID');
    }
    return this.http.revoke({
      method: 'DELETE',
      path: `/v1/Keys/${keyId}`,
    });
  }

  async listOwnKeys(namePrefix: string): Promise<readonly OwnedKey[]> {
    const owned: OwnedKey[] = [];
    let query: Record<string, string> | undefined = { AccountSid: this.accountSid, PageSize: '1000' };
    for (let page = 0; query && page < MAX_LIST_PAGES; page++) {
      const response = await this.http.request({
        operation: 'list keys',
        method: 'GET',
        path: '/v1/Keys',
        query,
        idempotent: true,
      });
      const body = response.body as { keys?: unknown; meta?: { next_page_url?: unknown } } | undefined;
      if (!Array.isArray(body?.keys)) {
        throw new ProviderResponseError('twilio', 'list keys', response.status, 'response lacks keys');
      }
      for (const key of body.keys as TwilioKey[]) {
        if (typeof key?.sid !== 'string' || typeof key.friendly_name !== 'string') continue;
        if (!key.friendly_name.startsWith(namePrefix)) continue;
        const created = typeof key.date_created === 'string' ? new Date(key.date_created) : undefined;
        owned.push({
          keyId: key.sid,
          name: key.friendly_name,
          ...(created && !Number.isNaN(created.getTime()) ? { createdAt: created } : {}),
        });
      }
      query = nextPageQuery(body.meta?.next_page_url);
    }
    return owned;
  }
}

/**
 * The next page's query from Twilio's absolute `next_page_url`. Only its query
 * is kept: the request goes to the host Rotor chose, never to one a response names.
 */
function nextPageQuery(nextPageUrl: unknown): Record<string, string> | undefined {
  if (typeof nextPageUrl !== 'string' || nextPageUrl === '') return undefined;
  try {
    return Object.fromEntries(new URL(nextPageUrl).searchParams);
  } catch {
    return undefined;
  }
}

function parseRestriction(
  secretName: string,
  settings: Readonly<Record<string, string>>,
  region: string,
): { keyType: 'restricted'; policy: string } | undefined {
  const keyType = (settings['key-type'] ?? 'standard').toLowerCase();
  if (keyType === 'standard') {
    if (settings.policy !== undefined) {
      throw new ManagedSecretConfigError(
        secretName,
        'rotor:policy',
        'applies only to rotor:key-type restricted',
      );
    }
    return undefined;
  }
  if (keyType !== 'restricted') {
    throw new ManagedSecretConfigError(secretName, 'rotor:key-type', 'must be one of: standard, restricted');
  }
  if (region !== 'us1') {
    // Twilio offers Restricted keys in the US1 region only.
    throw new ManagedSecretConfigError(
      secretName,
      'rotor:key-type',
      'restricted is available in region us1 only',
    );
  }
  const raw = settings.policy?.trim();
  if (!raw)
    throw new ManagedSecretConfigError(
      secretName,
      'rotor:policy',
      'is missing (required for restricted keys)',
    );
  let allow: unknown;
  if (raw.startsWith('{')) {
    try {
      allow = (JSON.parse(raw) as { allow?: unknown }).allow;
    } catch {
      throw new ManagedSecretConfigError(secretName, 'rotor:policy', 'is not valid JSON');
    }
  } else {
    allow = raw.split(/[\s,]+/).filter(Boolean);
  }
  const valid =
    Array.isArray(allow) &&
    allow.length > 0 &&
    allow.every((permission) => typeof permission === 'string' && permission.startsWith('/'));
  if (!valid) {
    throw new ManagedSecretConfigError(
      secretName,
      'rotor:policy',
      'must list permissions such as /twilio/messaging/messages/read',
    );
  }
  return { keyType: 'restricted', policy: JSON.stringify({ allow }) };
}

function parseAdminCredential(credential: string): AdminCredential {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(credential.trim()) as Record<string, unknown>;
  } catch {
    throw new AdminCredentialError(
      'Twilio admin credential is not JSON with accountSid and authToken (or apiKeySid and apiKeySecret)',
    );
  }
  const { accountSid, authToken, apiKeySid, apiKeySecret } = parsed ?? {};
  if (typeof accountSid !== 'string' || !ACCOUNT_SID.test(accountSid)) {
    throw new AdminCredentialError('Twilio admin credential lacks an accountSid (AC…)');
  }
  if (typeof authToken === 'string' && authToken !== '') {
    return { accountSid, user: accountSid, password: authToken };
  }
  if (
    typeof apiKeySid === 'string' &&
    KEY_SID.test(apiKeySid) &&
    typeof apiKeySecret === 'string' &&
    apiKeySecret
  ) {
    return { accountSid, user: apiKeySid, password: apiKeySecret };
  }
  throw new AdminCredentialError(
    'Twilio admin credential needs authToken, or a Main key as apiKeySid (SK…) and apiKeySecret',
  );
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
