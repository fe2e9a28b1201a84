import { createHmac, timingSafeEqual } from 'node:crypto';
import { errorSummary } from './audit-events';
import { RotorError } from './errors';
import type { DeliveryLedger } from './leak-ports';
import { type LeakDeps, type LeakReport, recordUnidentifiedLeak, respondToLeak } from './leak-response';
import { Stage } from './managed-secret';
import type { Clock, SecretStore } from './ports';

/**
 * The leak webhook (docs/leak-response.md): GitHub secret-scanning alerts
 * signed with X-Hub-Signature-256, and a generic signed JSON format for other
 * scanners. The body is key material from the first byte: it is never logged,
 * echoed or put in an error, and nothing changes until it is verified.
 */

/** A secret-scanning alert is a few KB; anything this large is not one. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;
/** How far X-Rotor-Timestamp may be from the receiver's clock. */
export const TIMESTAMP_TOLERANCE_MS = 5 * 60 * 1000;
/** GitHub alert actions that mean "this secret is exposed". */
export const ACTIONABLE_GITHUB_ACTIONS: readonly string[] = [
  'created',
  'reopened',
  'publicly_leaked',
  'validated',
];

export interface WebhookRequest {
  /** Header names in any case (Function URLs lower-case them). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body, exactly as signed. */
  readonly body: string;
}

export interface WebhookResponse {
  readonly statusCode: number;
  readonly body: string;
}

export interface WebhookDeps extends LeakDeps {
  /** The HMAC secret shared with the scanners (held in Secrets Manager). */
  signingSecret(): Promise<string>;
  readonly ledger: DeliveryLedger;
}

/** A request refused before it changed anything. Messages never quote the body. */
export class WebhookRejectedError extends RotorError {
  constructor(
    readonly statusCode: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

/** Verifies, parses and answers one webhook request. Refusals are responses, not exceptions. */
export async function handleLeakWebhook(
  deps: WebhookDeps,
  request: WebhookRequest,
): Promise<WebhookResponse> {
  try {
    return await accept(deps, request);
  } catch (error) {
    if (error instanceof WebhookRejectedError) {
      deps.log?.warn('Webhook refused', { statusCode: error.statusCode, reason: error.message });
      return json(error.statusCode, { error: error.message });
    }
    deps.log?.error('Webhook failed', { error: errorSummary(error) });
    throw error;
  }
}

async function accept(deps: WebhookDeps, request: WebhookRequest): Promise<WebhookResponse> {
  if (Buffer.byteLength(request.body, 'utf8') > MAX_WEBHOOK_BYTES) {
    throw new WebhookRejectedError(400, `Body exceeds ${MAX_WEBHOOK_BYTES} bytes`);
  }
  const headers = lowerCase(request.headers);
  const secret = await deps.signingSecret();

  if (headers['x-hub-signature-256'] !== undefined || headers['x-github-event'] !== undefined) {
    verifySignature(secret, request.body, headers['x-hub-signature-256'], 'X-Hub-Signature-256');
    const event = headers['x-github-event'];
    const delivery = headers['x-github-delivery'];
    if (!event || !delivery || !/^[A-Za-z0-9-]{1,100}$/.test(delivery)) {
      throw new WebhookRejectedError(400, 'X-GitHub-Event and X-GitHub-Delivery are required');
    }
    const payload = parseJson(request.body);
    if (event === 'ping') return json(200, { ok: 'pong' });
    if (event !== 'secret_scanning_alert') return json(202, { ignored: `event ${event}` });
    const alert = parseGithubAlert(payload);
    if (!ACTIONABLE_GITHUB_ACTIONS.includes(alert.action))
      return json(202, { ignored: `action ${alert.action}` });
    await refuseReplay(deps.ledger, `github-${delivery}`);
    if (alert.secret === undefined) {
      // Webhook payloads usually omit the literal; without it there is no fingerprint to match.
      await recordUnidentifiedLeak(deps, {
        source: 'github',
        reportedAt: alert.reportedAt,
        reference: alert.reference,
      });
      return json(202, { actions: ['unidentified'] });
    }
    return respond(deps, {
      key: alert.secret,
      source: 'github',
      reportedAt: alert.reportedAt,
      reference: alert.reference,
    });
  }

  if (headers['x-rotor-signature'] !== undefined) {
    const timestamp = headers['x-rotor-timestamp'] ?? '';
    if (!/^\d{1,12}$/.test(timestamp))
      throw new WebhookRejectedError(401, 'X-Rotor-Timestamp is missing or malformed');
    if (Math.abs(deps.clock.now().getTime() - Number(timestamp) * 1000) > TIMESTAMP_TOLERANCE_MS) {
      throw new WebhookRejectedError(401, 'X-Rotor-Timestamp is more than 5 minutes away');
    }
    const signature = verifySignature(
      secret,
      `${timestamp}.${request.body}`,
      headers['x-rotor-signature'],
      'X-Rotor-Signature',
    );
    const report = parseGenericReport(parseJson(request.body));
    // The signature covers the timestamp, so within the 5-minute window it names the delivery.
    await refuseReplay(deps.ledger, `rotor-${signature.toString('hex').slice(0, 40)}`);
    return respond(deps, report);
  }

  throw new WebhookRejectedError(401, 'Unsigned request');
}

async function respond(deps: WebhookDeps, report: LeakReport): Promise<WebhookResponse> {
  const outcomes = await respondToLeak(deps, report);
  return json(202, { actions: outcomes.map((outcome) => outcome.action) });
}

/** `sha256=<hex HMAC-SHA256>` of `signed` with the shared secret, compared in constant time. */
export function signatureOf(secret: string, signed: string): string {
  return `sha256=${createHmac('sha256', secret).update(signed, 'utf8').digest('hex')}`;
}

function verifySignature(secret: string, signed: string, header: string | undefined, name: string): Buffer {
  if (!header) throw new WebhookRejectedError(401, `${name} is missing`);
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  const expected = createHmac('sha256', secret).update(signed, 'utf8').digest();
  const given = Buffer.from(match?.[1] ?? '', 'hex');
  // timingSafeEqual needs equal lengths; a malformed header is compared against itself's digest size.
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  if (!same) throw new WebhookRejectedError(401, `${name} does not match`);
  return expected;
}

async function refuseReplay(ledger: DeliveryLedger, deliveryId: string): Promise<void> {
  if (!(await ledger.remember(deliveryId))) throw new WebhookRejectedError(401, 'Delivery already received');
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new WebhookRejectedError(400, 'Body is not JSON');
  }
}

interface GithubAlert {
  readonly action: string;
  readonly secret?: string;
  readonly reportedAt: string;
  readonly reference?: string;
}

/** The `secret_scanning_alert` payload: `action`, `alert { number, secret_type, html_url, created_at, secret? }`, `repository`. */
export function parseGithubAlert(payload: unknown): GithubAlert {
  const record = asRecord(payload, 'Payload');
  const alert = asRecord(record.alert, 'alert');
  if (typeof record.action !== 'string') throw new WebhookRejectedError(400, 'action must be a string');
  if (alert.secret !== undefined && (typeof alert.secret !== 'string' || alert.secret.length === 0)) {
    throw new WebhookRejectedError(400, 'alert.secret must be a non-empty string');
  }
  const reference = typeof alert.html_url === 'string' ? alert.html_url.slice(0, 2048) : undefined;
  return {
    action: record.action,
    ...(typeof alert.secret === 'string' ? { secret: alert.secret } : {}),
    reportedAt:
      typeof alert.created_at === 'string' ? alert.created_at.slice(0, 64) : new Date().toISOString(),
    ...(reference ? { reference } : {}),
  };
}

/** The generic format: `{ "key": "…", "source": "…", "reportedAt": "<ISO-8601>", "reference"?: "…" }`. */
export function parseGenericReport(payload: unknown): LeakReport {
  const record = asRecord(payload, 'Payload');
  const { key, source, reportedAt, reference } = record;
  if (typeof key !== 'string' || key.length === 0 || key.length > 4096) {
    throw new WebhookRejectedError(400, 'key must be a string of 1 to 4096 characters');
  }
  if (typeof source !== 'string' || !/^[\w .:/@-]{1,100}$/.test(source)) {
    throw new WebhookRejectedError(400, 'source must be a short name');
  }
  if (typeof reportedAt !== 'string' || Number.isNaN(Date.parse(reportedAt))) {
    throw new WebhookRejectedError(400, 'reportedAt must be an ISO-8601 time');
  }
  if (reference !== undefined && (typeof reference !== 'string' || reference.length > 2048)) {
    throw new WebhookRejectedError(400, 'reference must be a string of at most 2048 characters');
  }
  return { key, source, reportedAt, ...(reference ? { reference } : {}) };
}

function asRecord(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WebhookRejectedError(400, `${name} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function lowerCase(
  headers: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function json(statusCode: number, body: unknown): WebhookResponse {
  return { statusCode, body: JSON.stringify(body) };
}

/**
 * The signing secret, read from Secrets Manager at most once per `ttlMs`, so
 * a rotated webhook secret takes effect within minutes without a redeploy.
 */
export function cachedSigningSecret(
  store: SecretStore,
  secretId: string,
  clock: Clock,
  ttlMs = 5 * 60 * 1000,
): () => Promise<string> {
  let cached: { value: string; until: number } | undefined;
  return async () => {
    const now = clock.now().getTime();
    if (cached && cached.until > now) return cached.value;
    const version = await store.getValue(secretId, { stage: Stage.current });
    if (!version.secretString) throw new RotorError(`Webhook signing secret ${secretId} is empty`);
    cached = { value: version.secretString, until: now + ttlMs };
    return cached.value;
  };
}
