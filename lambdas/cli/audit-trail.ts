import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DEFAULT_STACK_NAME, rotorResourceNames } from '../config/stack-names';
import type { AuditDetail, AuditEvent } from '../domain/audit-events';
import { RotorError } from '../domain/errors';

/** Where the default stack ("Rotor") writes the audit events: its events-to-logs rule's log group. */
export const DEFAULT_AUDIT_LOG_GROUP = rotorResourceNames(DEFAULT_STACK_NAME).auditLogGroup;

/** One audit event as read back from the log group. */
export interface AuditRecord {
  readonly time: Date;
  readonly detailType: string;
  readonly detail: AuditDetail;
}

export interface AuditQuery {
  /** Secret name or ARN; every secret when absent. */
  readonly secret?: string;
  readonly since: Date;
  readonly limit: number;
}

/** Reads the audit trail, oldest first. */
export interface AuditTrail {
  read(query: AuditQuery): Promise<readonly AuditRecord[]>;
}

/** An audit query could not be run (bad filter, log group missing, access denied). */
export class AuditQueryError extends RotorError {}

// Secret names allow letters, digits and /_+=.@-; ARNs add ':'. Nothing else may reach a filter pattern.
const FILTERABLE = /^[A-Za-z0-9/_+=.@:-]{1,2048}$/;

/**
 * The audit trail over the CloudWatch Logs group that the bus's rule writes to.
 * Each log event's message is the EventBridge event as JSON, so a JSON filter
 * pattern on `detail.secretName`/`detail.secretId` narrows it server-side.
 */
export class CloudWatchAuditTrail implements AuditTrail {
  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly logGroupName: string,
  ) {}

  async read(query: AuditQuery): Promise<readonly AuditRecord[]> {
    if (query.secret !== undefined && !FILTERABLE.test(query.secret)) {
      throw new AuditQueryError(`"${query.secret}" is not a secret name or ARN`);
    }
    const filterPattern = query.secret
      ? `{ ($.detail.secretName = "${query.secret}") || ($.detail.secretId = "${query.secret}") }`
      : undefined;
    const records: AuditRecord[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const output = await this.client.send(
          new FilterLogEventsCommand({
            logGroupName: this.logGroupName,
            startTime: query.since.getTime(),
            filterPattern,
            nextToken,
            limit: Math.min(query.limit - records.length, 10_000),
          }),
        );
        for (const event of output.events ?? []) {
          const record = parseAuditMessage(event.message, event.timestamp);
          if (record) records.push(record);
        }
        nextToken = output.nextToken;
      } while (nextToken && records.length < query.limit);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      throw new AuditQueryError(`Reading ${this.logGroupName} failed: ${name}: ${message}`, { cause: error });
    }
    return records.slice(0, query.limit);
  }
}

/** An audit trail over recorded events (tests, local mode). */
export class InMemoryAuditTrail implements AuditTrail {
  constructor(private readonly events: () => readonly AuditEvent[]) {}

  async read(query: AuditQuery): Promise<readonly AuditRecord[]> {
    return this.events()
      .map((event) => ({
        time: new Date(event.detail.occurredAt),
        detailType: event.detailType,
        detail: event.detail,
      }))
      .filter((record) => record.time.getTime() >= query.since.getTime())
      .filter(
        (record) =>
          query.secret === undefined ||
          record.detail.secretName === query.secret ||
          record.detail.secretId === query.secret,
      )
      .sort((a, b) => a.time.getTime() - b.time.getTime())
      .slice(0, query.limit);
  }
}

/** Parses one log event written by the bus's rule: the EventBridge event as JSON. */
export function parseAuditMessage(message: string | undefined, timestamp?: number): AuditRecord | undefined {
  if (!message) return undefined;
  try {
    const event = JSON.parse(message) as { 'detail-type'?: unknown; detail?: unknown; time?: unknown };
    if (
      typeof event['detail-type'] !== 'string' ||
      typeof event.detail !== 'object' ||
      event.detail === null
    ) {
      return undefined;
    }
    const detail = event.detail as AuditDetail;
    const when =
      typeof detail.occurredAt === 'string' ? detail.occurredAt : (event.time as string | undefined);
    return {
      time: when ? new Date(when) : new Date(timestamp ?? 0),
      detailType: event['detail-type'],
      detail,
    };
  } catch {
    return undefined;
  }
}
