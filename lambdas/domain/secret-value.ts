import { createHash } from 'node:crypto';
import { MalformedSecretValueError } from './errors';

/**
 * A managed secret's value (DESIGN §2). Consumers read `apiKey`; providers whose
 * credential has more parts add named fields beside it (documented per adapter).
 */
export interface ManagedKeyValue {
  readonly apiKey: string;
  readonly keyId: string;
  readonly provider: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly fingerprint: string;
  readonly [field: string]: string;
}

/** What a freshly deployed secret holds until its bootstrap rotation mints the first key. */
export interface PlaceholderValue {
  readonly kind: 'placeholder';
}

export const PLACEHOLDER_MARKER = 'rotor:awaiting-first-key';

const REQUIRED_FIELDS = ['apiKey', 'keyId', 'provider', 'createdAt', 'expiresAt', 'fingerprint'] as const;

/** Largest value Rotor accepts: Secrets Manager's own limit is 64 KiB and a key is far smaller. */
export const MAX_SECRET_VALUE_BYTES = 16 * 1024;

/** `sha256:` and the first 16 hex digits of the key's SHA-256: enough to match a leak, useless to an attacker. */
export function fingerprintOf(apiKey: string): string {
  return `sha256:${createHash('sha256').update(apiKey, 'utf8').digest('hex').slice(0, 16)}`;
}

/** The placeholder a new managed secret is created with (the CDK construct writes it). */
export function placeholderValue(provider: string): string {
  return JSON.stringify({ [PLACEHOLDER_MARKER]: true, provider });
}

/**
 * Parses a managed secret's value. Errors say what is wrong with the shape and
 * never quote the value, which may hold a key.
 */
export function parseSecretValue(
  secretName: string,
  text: string | undefined,
): ManagedKeyValue | PlaceholderValue {
  if (text === undefined) throw new MalformedSecretValueError(`Secret ${secretName} has no string value`);
  if (Buffer.byteLength(text, 'utf8') > MAX_SECRET_VALUE_BYTES) {
    throw new MalformedSecretValueError(`Secret ${secretName} value exceeds ${MAX_SECRET_VALUE_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedSecretValueError(`Secret ${secretName} value is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MalformedSecretValueError(`Secret ${secretName} value is not a JSON object`);
  }
  const record = parsed as Record<string, unknown>;
  if (record[PLACEHOLDER_MARKER] === true) return { kind: 'placeholder' };
  for (const field of REQUIRED_FIELDS) {
    if (typeof record[field] !== 'string' || record[field] === '') {
      throw new MalformedSecretValueError(`Secret ${secretName} value lacks the string field "${field}"`);
    }
  }
  for (const [field, value] of Object.entries(record)) {
    if (typeof value !== 'string') {
      throw new MalformedSecretValueError(`Secret ${secretName} value field "${field}" is not a string`);
    }
  }
  return record as ManagedKeyValue;
}

/** Parses a value that must hold a key (not the bootstrap placeholder). */
export function parseKeyValue(secretName: string, text: string | undefined): ManagedKeyValue {
  const value = parseSecretValue(secretName, text);
  if ('kind' in value) throw new MalformedSecretValueError(`Secret ${secretName} holds no key yet`);
  return value;
}

export function isPlaceholder(value: ManagedKeyValue | PlaceholderValue): value is PlaceholderValue {
  return 'kind' in value && value.kind === 'placeholder';
}
