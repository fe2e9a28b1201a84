import {
  ProviderAuthError,
  ProviderNotFoundError,
  ProviderPermissionError,
  ProviderRateLimitError,
  ProviderRejectedError,
  ProviderRequestError,
  ProviderResponseError,
  ProviderUnavailableError,
} from './errors';
import type { RevokeOutcome } from './provider';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  /** Longest single wait, Retry-After included: a longer Retry-After fails fast instead. */
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  timeoutMs: 10_000,
};

export interface HttpRequest {
  /** Names the call in errors ("create key"): paths may carry key ids and never appear. */
  readonly operation: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** JSON-encoded unless it is a URLSearchParams or FormData. */
  readonly body?: unknown;
  /**
   * Whether repeating the request is harmless. Non-idempotent requests (key
   * creation) are retried only on 429, which means the provider did nothing.
   */
  readonly idempotent: boolean;
  /** Statuses that are an answer, not an error (404 on revoke means "already gone"). */
  readonly acceptStatuses?: readonly number[];
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  readonly body: unknown;
}

export interface HttpClientOptions {
  readonly provider: string;
  readonly baseUrl: string;
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  readonly retry?: Partial<RetryPolicy>;
  /** Injectable for tests; defaults to setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
}

/**
 * A small JSON client for a provider's API: timeouts, backoff with full jitter
 * on 429 and 5xx only, Retry-After honoured, every failure mapped to a named
 * ProviderRequestError that carries the status and nothing secret.
 */
export class ProviderHttpClient {
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpClientOptions) {
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.fetchImpl = options.fetch ?? fetch;
  }

  get provider(): string {
    return this.options.provider;
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const { provider } = this.options;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(this.url(request), {
          method: request.method,
          headers: this.headers(request),
          body: this.encodeBody(request.body),
          signal: AbortSignal.timeout(this.policy.timeoutMs),
          redirect: 'error',
        });
      } catch (error) {
        // Network failure or timeout: the provider may have acted, so only idempotent requests repeat.
        const failure = new ProviderUnavailableError(
          provider,
          request.operation,
          undefined,
          describeNetworkError(error),
          {
            cause: error,
          },
        );
        if (request.idempotent && attempt < this.policy.maxAttempts) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw failure;
      }

      const status = response.status;
      if ((status >= 200 && status < 300) || request.acceptStatuses?.includes(status)) {
        return { status, headers: response.headers, body: await this.readJson(request, response) };
      }
      // Drain the body so the connection is reused; its text is never put into an error.
      await response.arrayBuffer().catch(() => undefined);

      const retryable = status === 429 || (status >= 500 && request.idempotent);
      if (retryable && attempt < this.policy.maxAttempts) {
        const retryAfter = waitHint(response.headers);
        if (retryAfter === undefined || retryAfter <= this.policy.maxDelayMs) {
          await this.sleep(retryAfter ?? this.backoff(attempt));
          continue;
        }
      }
      throw this.errorFor(request, response);
    }
  }

  /**
   * Revokes a key: an idempotent request (revoking twice is harmless, so 5xx
   * are retried) whose 404 means the key is already gone.
   */
  async revoke(
    request: Omit<HttpRequest, 'operation' | 'idempotent' | 'acceptStatuses'> & {
      readonly operation?: string;
    },
  ): Promise<RevokeOutcome> {
    const response = await this.request({
      operation: 'revoke key',
      ...request,
      idempotent: true,
      acceptStatuses: [404],
    });
    return response.status === 404 ? 'already-gone' : 'revoked';
  }

  /** Full jitter: a random wait up to the exponential ceiling, so many rotations do not retry in step. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(this.random() * ceiling);
  }

  private errorFor(request: HttpRequest, response: Response): ProviderRequestError {
    const { provider } = this.options;
    const { status } = response;
    const op = request.operation;
    if (status === 401) return new ProviderAuthError(provider, op, status, 'credential not accepted');
    if (status === 403)
      return new ProviderPermissionError(provider, op, status, 'permission denied or account limit reached');
    if (status === 404) return new ProviderNotFoundError(provider, op, status, 'not found');
    if (status === 429) {
      return new ProviderRateLimitError(
        provider,
        op,
        parseRetryAfter(response.headers.get('retry-after')),
        'rate limited',
      );
    }
    if (status >= 500) return new ProviderUnavailableError(provider, op, status, 'provider error');
    if (status >= 400 && status < 500)
      return new ProviderRejectedError(provider, op, status, 'request rejected');
    return new ProviderRequestError(provider, op, status, 'unexpected status');
  }

  private async readJson(request: HttpRequest, response: Response): Promise<unknown> {
    const text = await response.text();
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new ProviderResponseError(
        this.options.provider,
        request.operation,
        response.status,
        'response is not JSON',
      );
    }
  }

  private url(request: HttpRequest): string {
    const url = new URL(this.options.baseUrl.replace(/\/+$/, '') + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private headers(request: HttpRequest): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'rotor',
      ...this.options.defaultHeaders,
      ...request.headers,
    };
    const plainJson =
      request.body !== undefined &&
      !(request.body instanceof URLSearchParams) &&
      !(request.body instanceof FormData);
    if (plainJson) headers['content-type'] = 'application/json';
    return headers;
  }

  private encodeBody(body: unknown): string | URLSearchParams | FormData | undefined {
    if (body === undefined) return undefined;
    if (body instanceof URLSearchParams || body instanceof FormData) return body;
    return JSON.stringify(body);
  }
}

/** Attempts per verification call: the rotation itself retries verification, spaced by the propagation delay. */
const VERIFY_ATTEMPTS = 2;

/**
 * The client an adapter's `verify` uses: it authenticates with the key under
 * test, takes the test tuning from the provider context, and makes at most
 * VERIFY_ATTEMPTS attempts per call.
 */
export function verificationClient(
  options: HttpClientOptions,
  context: { readonly http?: Pick<HttpClientOptions, 'sleep' | 'random' | 'retry'> },
): ProviderHttpClient {
  return new ProviderHttpClient({
    ...options,
    ...context.http,
    retry: { ...options.retry, ...context.http?.retry, maxAttempts: VERIFY_ATTEMPTS },
  });
}

/** Retry-After in seconds or as an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long the provider asks us to wait: Retry-After when sent, else
 * X-RateLimit-Reset (SendGrid sends an epoch time there, Datadog a number of
 * seconds; a value past 1e9 can only be an epoch time).
 */
export function waitHint(headers: Headers, now: number = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(headers.get('x-ratelimit-reset') ?? Number.NaN);
  if (!Number.isFinite(reset) || headers.get('x-ratelimit-reset')?.trim() === '') return undefined;
  return Math.max(0, reset > 1e9 ? reset * 1000 - now : reset * 1000);
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'timed out';
  return 'network error';
}
