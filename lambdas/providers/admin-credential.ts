import { AdminCredentialError } from '../domain/errors';

export interface SingleKeyFormat {
  /** Provider name for messages ("SendGrid"). */
  readonly provider: string;
  /** What the provider calls it ("key", "token"). */
  readonly noun: string;
  /** The shape a valid credential has; checked so a wrong secret fails before any request. */
  readonly pattern: RegExp;
  /** What the message says the credential should be ("a SendGrid API key (SG.<id>.<secret>)"). */
  readonly expected: string;
}

/**
 * Reads an admin credential that is one key, stored either as the plain key
 * or as JSON `{"apiKey": "…"}` (what `rotor admin set` users paste varies).
 * Errors say what is wrong without quoting the value.
 */
export function parseSingleKeyCredential(credential: string, format: SingleKeyFormat): string {
  const trimmed = credential.trim();
  let key = trimmed;
  if (trimmed.startsWith('{')) {
    try {
      key = String((JSON.parse(trimmed) as { apiKey?: unknown }).apiKey ?? '');
    } catch {
      throw new AdminCredentialError(
        `${format.provider} admin credential is neither a ${format.noun} nor JSON with "apiKey"`,
      );
    }
  }
  if (!format.pattern.test(key)) {
    throw new AdminCredentialError(`${format.provider} admin credential is not ${format.expected}`);
  }
  return key;
}
