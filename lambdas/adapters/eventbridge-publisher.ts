import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type AuditEvent, EVENT_SOURCE } from '../domain/audit-events';
import { EventPublishError } from '../domain/errors';
import type { EventPublisher } from '../domain/ports';
import { MAX_EVENTS_PER_REQUEST } from './in-memory-event-publisher';

/** Publishes audit events to Rotor's bus: one PutEvents request per call, failures surfaced. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (events.length > MAX_EVENTS_PER_REQUEST) {
      throw new EventPublishError(
        `PutEvents takes at most ${MAX_EVENTS_PER_REQUEST} entries, got ${events.length}`,
      );
    }
    const response = await this.client.send(
      new PutEventsCommand({
        Entries: events.map((event) => ({
          EventBusName: this.eventBusName,
          Source: EVENT_SOURCE,
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
          Resources: [event.detail.secretId].filter((arn) => arn.startsWith('arn:')),
          Time: new Date(event.detail.occurredAt),
        })),
      }),
    );
    // PutEvents answers 200 even when entries fail; FailedEntryCount is the only sign.
    if (response.FailedEntryCount) {
      const codes = [
        ...new Set((response.Entries ?? []).map((entry) => entry.ErrorCode).filter(Boolean)),
      ].join(', ');
      throw new EventPublishError(
        `EventBridge rejected ${response.FailedEntryCount} of ${events.length} audit events${codes ? ` (${codes})` : ''}`,
      );
    }
  }
}
