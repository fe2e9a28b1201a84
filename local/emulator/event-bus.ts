import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lambdas/domain/ports';
import { AwsServiceError } from './aws-error';
import type { LocalLogs } from './logs';

/** One event accepted by PutEvents, as a rule's target would receive it. */
export interface BusEvent {
  readonly id: string;
  readonly time: Date;
  readonly eventBusName: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly resources: readonly string[];
}

/** A rule: events from `source` on the bus go into a log group (the stack's AuditToLogs rule). */
export interface LogGroupRule {
  readonly source: string;
  readonly logGroupName: string;
}

export interface LocalEventBusOptions {
  readonly eventBusName: string;
  readonly region: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly logs: LocalLogs;
  readonly rules: readonly LogGroupRule[];
}

/** PutEvents takes at most this many entries per request. */
const MAX_ENTRIES = 10;

/**
 * EventBridge PutEvents (JSON 1.1, `AWSEvents.PutEvents`) for one custom bus:
 * records every event, tells the listeners (local mode prints the timeline),
 * and delivers it to the log groups its rules name, as the EventBridge event
 * JSON, so FilterLogEvents finds it the way it would in AWS. Entries are
 * checked as the service checks them; a bad entry fails alone, reported in
 * FailedEntryCount, and a request of more than 10 entries is refused.
 */
export class LocalEventBus {
  readonly events: BusEvent[] = [];
  private readonly listeners = new Set<(event: BusEvent) => void>();

  constructor(private readonly options: LocalEventBusOptions) {}

  /** Calls `listener` for every accepted event; returns the unsubscribe function. */
  subscribe(listener: (event: BusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<unknown> {
    if (operation !== 'PutEvents') {
      throw new AwsServiceError('UnknownOperationException', `AWSEvents.${operation} is not emulated`);
    }
    const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
    if (entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw new AwsServiceError('ValidationException', `Entries must hold 1 to ${MAX_ENTRIES} entries`);
    }
    const results = entries.map((entry) => this.accept(entry));
    return {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    };
  }

  private accept(
    entry: Record<string, unknown>,
  ): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
    const busName = typeof entry.EventBusName === 'string' ? entry.EventBusName : 'default';
    if (
      busName !== this.options.eventBusName &&
      !busName.endsWith(`:event-bus/${this.options.eventBusName}`)
    ) {
      return {
        ErrorCode: 'NotAuthorizedForSourceException',
        ErrorMessage: `Event bus ${busName} does not exist`,
      };
    }
    const { Source, DetailType, Detail } = entry;
    if (typeof Source !== 'string' || typeof DetailType !== 'string' || typeof Detail !== 'string') {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required' };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not a JSON object.' };
    }
    const event: BusEvent = {
      id: randomUUID(),
      time: typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : this.options.clock.now(),
      eventBusName: this.options.eventBusName,
      source: Source,
      detailType: DetailType,
      detail: detail as Record<string, unknown>,
      resources: Array.isArray(entry.Resources) ? (entry.Resources as string[]) : [],
    };
    this.events.push(event);
    this.deliver(event);
    for (const listener of this.listeners) listener(event);
    return { EventId: event.id };
  }

  private deliver(event: BusEvent): void {
    for (const rule of this.options.rules.filter((candidate) => candidate.source === event.source)) {
      // The event as every EventBridge target receives it: the envelope with `detail-type`.
      const message = JSON.stringify({
        version: '0',
        id: event.id,
        'detail-type': event.detailType,
        source: event.source,
        account: this.options.accountId,
        time: event.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.options.region,
        resources: event.resources,
        detail: event.detail,
      });
      this.options.logs.append(
        rule.logGroupName,
        `rule-${this.options.eventBusName}`,
        event.time.getTime(),
        message,
      );
    }
  }
}
