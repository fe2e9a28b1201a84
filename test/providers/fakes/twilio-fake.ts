import { randomBytes } from 'node:crypto';
import { basicAuth, FakeHttpServer, type RecordedRequest, type Reply } from '../support/fake-http-server';
import type { ProviderFake } from '../support/provider-fake';

interface TwilioKey {
  readonly sid: string;
  readonly friendlyName: string;
  readonly secret: string;
  readonly dateCreated: string;
  readonly keyType: 'standard' | 'restricted';
  readonly policy: { allow: string[] } | null;
  revoked: boolean;
  /** Verification attempts to refuse before the key works (propagation). */
  pendingRefusals: number;
}

/** Twilio's documented error body: `{ code, message, more_info, status }`. */
const error = (status: number, code: number, message: string): Reply => ({
  status,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

/** 20003 is Twilio's answer to a refused credential, and to a Standard key on /v1/Keys. */
const authenticate = () => error(401, 20003, 'Authenticate');

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Twilio dates are RFC 2822 in GMT ("Mon, 13 Jun 2016 22:50:08 +0000"). */
const rfc2822 = (date: Date) => date.toUTCString().replace('GMT', '+0000');

export interface TwilioFakeOptions {
  /** Verification attempts each new key refuses before it works. */
  readonly propagationRefusals?: number;
  /** Admin credential as a Main key instead of the auth token. */
  readonly mainKey?: boolean;
  /** Page size the list endpoint uses at most (to exercise next_page_url). */
  readonly maxPageSize?: number;
}

export type TwilioFake = ProviderFake & {
  readonly keys: Map<string, TwilioKey>;
  readonly accountSid: string;
};

/**
 * Twilio's IAM v1 Key resource as its API reference and twilio_iam_v1.yaml
 * document it — basic auth with the account SID and auth token (or a Main
 * key), form-encoded create with AccountSid/FriendlyName/KeyType/Policy, 201
 * with `secret` once, `keys` + `meta.next_page_url` on list, 204 on delete,
 * `{code,message,more_info,status}` errors, 20003 for a Standard key on
 * /v1/Keys, 429 with code 20429 and no wait hint — plus the v2010 Usage
 * Records read the adapter verifies a new key with.
 */
export async function startTwilioFake(options: TwilioFakeOptions = {}): Promise<TwilioFake> {
  const accountSid = `AC${hex(16)}`;
  const authToken = hex(16);
  const mainKeySid = `SK${hex(16)}`;
  const mainKeySecret = randomBytes(24).toString('base64url');
  const keys = new Map<string, TwilioKey>();
  const maxPageSize = options.maxPageSize ?? 1000;

  const isAdmin = (request: RecordedRequest) => {
    const auth = basicAuth(request);
    if (!auth) return false;
    if (options.mainKey) return auth.user === mainKeySid && auth.password === mainKeySecret;
    return auth.user === accountSid && auth.password === authToken;
  };
  const liveKeyFor = (request: RecordedRequest) => {
    const auth = basicAuth(request);
    const key = auth ? keys.get(auth.user) : undefined;
    return key && !key.revoked && key.secret === auth?.password ? key : undefined;
  };
  const keyView = (key: TwilioKey) => ({
    sid: key.sid,
    friendly_name: key.friendlyName,
    date_created: key.dateCreated,
    date_updated: key.dateCreated,
    flags: ['rest_api', 'signing'],
  });

  const route = (request: RecordedRequest): Reply => {
    const { method, path } = request;
    const usage = /^\/2010-04-01\/Accounts\/([^/]+)\/Usage\/Records\.json$/.exec(path);
    if (usage && method === 'GET') {
      if (usage[1] !== accountSid) return authenticate();
      const key = liveKeyFor(request);
      if (!isAdmin(request) && !key) return authenticate();
      if (key && key.pendingRefusals > 0) {
        key.pendingRefusals--;
        return authenticate();
      }
      return {
        status: 200,
        body: { usage_records: [], first_page_uri: path, next_page_uri: null, page: 0, page_size: 1 },
      };
    }
    // Only the auth token or a Main key may use /v1/Keys; any other key gets 20003.
    if (path.startsWith('/v1/Keys') && !isAdmin(request)) return authenticate();
    if (path === '/v1/Keys' && method === 'POST') return create(request);
    if (path === '/v1/Keys' && method === 'GET') return list(request);
    const match = /^\/v1\/Keys\/([^/]+)$/.exec(path);
    if (match && method === 'DELETE') {
      const key = keys.get(match[1] as string);
      if (!key || key.revoked) return error(404, 20404, `The requested resource ${path} was not found`);
      key.revoked = true;
      return { status: 204 };
    }
    return error(404, 20404, `The requested resource ${path} was not found`);
  };

  const create = (request: RecordedRequest): Reply => {
    if (!request.contentType?.includes('application/x-www-form-urlencoded')) {
      return error(400, 20001, 'Missing required parameter AccountSid in the post body');
    }
    const form = (request.body ?? {}) as Record<string, unknown>;
    if (typeof form.AccountSid !== 'string' || !/^AC[0-9a-fA-F]{32}$/.test(form.AccountSid)) {
      return error(400, 20001, 'Missing required parameter AccountSid in the post body');
    }
    if (form.AccountSid !== accountSid) return authenticate();
    const friendlyName = typeof form.FriendlyName === 'string' ? form.FriendlyName : '';
    if (friendlyName.length > 64) return error(400, 20001, 'FriendlyName must be at most 64 characters');
    let keyType: TwilioKey['keyType'] = 'standard';
    let policy: TwilioKey['policy'] = null;
    if (form.KeyType !== undefined) {
      if (form.KeyType !== 'restricted') return error(400, 20001, 'Invalid KeyType');
      keyType = 'restricted';
      try {
        policy = JSON.parse(String(form.Policy)) as { allow: string[] };
      } catch {
        return error(400, 20001, 'Policy is required for a restricted key');
      }
      if (!Array.isArray(policy?.allow)) return error(400, 20001, 'Policy is required for a restricted key');
    }
    const sid = `SK${hex(16)}`;
    const key: TwilioKey = {
      sid,
      friendlyName,
      secret: randomBytes(24).toString('base64url'),
      dateCreated: rfc2822(new Date()),
      keyType,
      policy,
      revoked: false,
      pendingRefusals: options.propagationRefusals ?? 0,
    };
    keys.set(sid, key);
    return {
      status: 201,
      body: {
        sid,
        friendly_name: friendlyName,
        date_created: key.dateCreated,
        date_updated: key.dateCreated,
        secret: key.secret,
        policy,
      },
    };
  };

  const list = (request: RecordedRequest): Reply => {
    if (request.query.get('AccountSid') !== accountSid) return authenticate();
    const pageSize = Math.min(Number(request.query.get('PageSize') ?? 50), maxPageSize);
    const page = Number(request.query.get('Page') ?? 0);
    const live = [...keys.values()].filter((key) => !key.revoked);
    const slice = live.slice(page * pageSize, (page + 1) * pageSize);
    const url = (p: number) =>
      `https://iam.twilio.com/v1/Keys?AccountSid=${accountSid}&PageSize=${pageSize}&Page=${p}`;
    return {
      status: 200,
      body: {
        keys: slice.map(keyView),
        meta: {
          page,
          page_size: pageSize,
          first_page_url: url(0),
          previous_page_url: page > 0 ? url(page - 1) : null,
          url: url(page),
          next_page_url: (page + 1) * pageSize < live.length ? url(page + 1) : null,
          key: 'keys',
        },
      },
    };
  };

  const server = await FakeHttpServer.start(route);
  const adminCredential = options.mainKey
    ? JSON.stringify({ accountSid, apiKeySid: mainKeySid, apiKeySecret: mainKeySecret })
    : JSON.stringify({ accountSid, authToken });
  return {
    server,
    keys,
    accountSid,
    adminCredential,
    settings: {},
    isLive: (keyId) => keys.get(keyId)?.revoked === false,
    liveKeyIds: () => [...keys.values()].filter((key) => !key.revoked).map((key) => key.sid),
    issuedSecrets: () => [authToken, mainKeySecret, ...[...keys.values()].map((key) => key.secret)],
    // Twilio documents no Retry-After for 20429: the wait is the client's backoff.
    rateLimitReply: () => error(429, 20429, 'Too Many Requests'),
    serverErrorReply: () => error(500, 20500, 'Internal Server Error'),
    isCreate: (request) => request.method === 'POST' && request.path === '/v1/Keys',
    isRevoke: (request) => request.method === 'DELETE' && request.path.startsWith('/v1/Keys/'),
    isList: (request) => request.method === 'GET' && request.path === '/v1/Keys',
    isVerify: (request) => request.method === 'GET' && request.path.endsWith('/Usage/Records.json'),
    close: () => server.close(),
  };
}
