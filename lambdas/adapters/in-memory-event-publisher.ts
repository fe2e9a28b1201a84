import type { AuditEvent } from '../domain/audit-events';
import { EventPublishError } from '../domain/errors';
import type { EventPublisher } from '../domain/ports';

/** PutEvents takes at most 10 entries per request. */
export const MAX_EVENTS_PER_REQUEST = 10;

/**
 * Records audit events in memory (tests, benchmarks, local mode), with
 * PutEvents' limit of 10 entries per request, and counts requests.
 */
export class InMemoryEventPublisher implements EventPublisher {
  readonly events: AuditEvent[] = [];
  requests = 0;

  constructor(private readonly onEvent?: (event: AuditEvent) => void) {}

  async publish(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (events.length > MAX_EVENTS_PER_REQUEST) {
      throw new EventPublishError(
        `PutEvents takes at most ${MAX_EVENTS_PER_REQUEST} entries, got ${events.length}`,
      );
    }
    this.requests++;
    for (const event of events) {
      // A round trip through JSON, as EventBridge would carry it.
      const copy = JSON.parse(JSON.stringify(event)) as AuditEvent;
      this.events.push(copy);
      this.onEvent?.(copy);
    }
  }

  ofType(detailType: string): AuditEvent[] {
    return this.events.filter((event) => event.detailType === detailType);
  }

  clear(): void {
    this.events.length = 0;
    this.requests = 0;
  }
}
