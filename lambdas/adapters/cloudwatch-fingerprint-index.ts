import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DetailType } from '../domain/audit-events';
import { RotorError } from '../domain/errors';
import type { FingerprintIndex } from '../domain/leak-ports';
import type { Clock } from '../domain/ports';

/** The fingerprint lookup could not run. */
export class FingerprintLookupError extends RotorError {}

const FINGERPRINT = /^sha256:[0-9a-f]{16}$/;
/** A safety stop: one fingerprint never has more than a handful of Key Created events. */
const MAX_PAGES = 20;

/**
 * Finds secrets by key fingerprint in the audit log group: every `Key Created`
 * and `Key Verified` event carries the secret's id and the new key's
 * fingerprint, so a JSON filter pattern finds the secret without reading any
 * secret's value. `Key Verified` matters: a createSecret that dies after
 * storing its key loses `Key Created` (the retry finds the key stored and
 * does nothing), but no key is promoted before a `Key Verified` went out. The
 * search looks back `windowMs` (at least the longest max age plus grace: an
 * older key has been revoked by the enforcer).
 */
export class CloudWatchFingerprintIndex implements FingerprintIndex {
  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly logGroupName: string,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  async find(fingerprint: string): Promise<readonly string[]> {
    // Validated before it is spliced into the pattern; it is derived by Rotor, never taken from a request.
    if (!FINGERPRINT.test(fingerprint)) throw new FingerprintLookupError('Not a Rotor key fingerprint');
    const now = this.clock.now().getTime();
    const found = new Set<string>();
    let nextToken: string | undefined;
    let pages = 0;
    try {
      do {
        const output = await this.client.send(
          new FilterLogEventsCommand({
            logGroupName: this.logGroupName,
            startTime: now - this.windowMs,
            endTime: now,
            filterPattern: `{ (($.detail-type = "${DetailType.keyCreated}") || ($.detail-type = "${DetailType.keyVerified}")) && ($.detail.fingerprint = "${fingerprint}") }`,
            nextToken,
          }),
        );
        for (const event of output.events ?? []) {
          const secretId = secretIdOf(event.message);
          if (secretId) found.add(secretId);
        }
        nextToken = output.nextToken;
      } while (nextToken && ++pages < MAX_PAGES);
    } catch (error) {
      throw new FingerprintLookupError(`Searching ${this.logGroupName} failed: ${(error as Error).name}`, {
        cause: error,
      });
    }
    return [...found];
  }
}

function secretIdOf(message: string | undefined): string | undefined {
  try {
    const event = JSON.parse(message ?? '') as { detail?: { secretId?: unknown } };
    return typeof event.detail?.secretId === 'string' ? event.detail.secretId : undefined;
  } catch {
    return undefined;
  }
}
