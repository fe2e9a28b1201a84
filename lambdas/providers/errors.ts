import { RotorError } from '../domain/errors';

/**
 * A provider answered with an error or did not answer. Messages name the
 * provider, the operation and the HTTP status, never a URL (Algolia's key is
 * its own id and travels in paths) and never a request or response body.
 */
export class ProviderRequestError extends RotorError {
  constructor(
    readonly provider: string,
    readonly operation: string,
    readonly status: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider} ${operation} failed${status ? ` with HTTP ${status}` : ''}: ${detail}`, options);
  }

  /** True when the provider may have acted on the request before failing (timeouts, 5xx). */
  get ambiguous(): boolean {
    return false;
  }
}

/** 401: the credential was not accepted. */
export class ProviderAuthError extends ProviderRequestError {}

/** 403: the credential lacks a permission, or an account limit (SendGrid's 100 keys) was hit. */
export class ProviderPermissionError extends ProviderRequestError {}

/** 404: the key (or account) does not exist. */
export class ProviderNotFoundError extends ProviderRequestError {}

/** 429 after every retry, or a Retry-After longer than Rotor will wait. */
export class ProviderRateLimitError extends ProviderRequestError {
  constructor(
    provider: string,
    operation: string,
    readonly retryAfterMs: number | undefined,
    detail: string,
  ) {
    super(provider, operation, 429, detail);
  }
}

/** 5xx, a timeout or a network failure: the provider may or may not have done what was asked. */
export class ProviderUnavailableError extends ProviderRequestError {
  override get ambiguous(): boolean {
    return true;
  }
}

/**
 * 2xx with a body that is not the documented shape (not JSON, or missing the key).
 * Ambiguous: the provider said it did what was asked, so a create made a key
 * that Rotor cannot read and must find by name and revoke.
 */
export class ProviderResponseError extends ProviderRequestError {
  override get ambiguous(): boolean {
    return true;
  }
}

/** The request was refused as invalid (400/409/415/422): a bug or a bad setting, not worth retrying. */
export class ProviderRejectedError extends ProviderRequestError {}
