import type { AuditEvent } from '../domain/audit-events';
import { DetailType } from '../domain/audit-events';
import type { FingerprintIndex } from '../domain/leak-ports';

/** The fingerprint index over recorded audit events (InMemoryEventPublisher.events), for tests and benchmarks. */
export class InMemoryFingerprintIndex implements FingerprintIndex {
  /** Lookups made, as FilterLogEvents requests would be counted. */
  lookups = 0;

  constructor(private readonly events: () => readonly AuditEvent[]) {}

  async find(fingerprint: string): Promise<readonly string[]> {
    this.lookups++;
    const ids = this.events()
      .filter(
        (event) =>
          // Key Verified too: a crashed createSecret may have lost Key Created (cloudwatch-fingerprint-index.ts).
          (event.detailType === DetailType.keyCreated || event.detailType === DetailType.keyVerified) &&
          event.detail.fingerprint === fingerprint,
      )
      .map((event) => event.detail.secretId);
    return [...new Set(ids)];
  }
}
