import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lambdas/domain/ports';
import { AwsServiceError, optionalString, requireString } from './aws-error';
import { compileFilterPattern } from './filter-pattern';

/** One log event as CloudWatch Logs stores it. */
export interface StoredLogEvent {
  readonly eventId: string;
  readonly logStreamName: string;
  /** When the event happened, epoch milliseconds. */
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

interface LogGroup {
  readonly streams: Set<string>;
  readonly events: StoredLogEvent[];
}

/** FilterLogEvents returns at most this many events per page, as the service does. */
const MAX_PAGE = 10_000;

/**
 * CloudWatch Logs (JSON 1.1, `Logs_20140328.*`), the operations Rotor uses:
 * CreateLogGroup, CreateLogStream (an atomic create: the leak webhook's replay
 * ledger relies on ResourceAlreadyExistsException), PutLogEvents and
 * FilterLogEvents over the audit events the bus's rule writes.
 */
export class LocalLogs {
  private readonly groups = new Map<string, LogGroup>();

  constructor(private readonly clock: Clock) {}

  /** Creates a log group if it does not exist (the stack's log groups). */
  ensureGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, { streams: new Set(), events: [] });
  }

  /** Appends an event, creating its stream (the bus rule's delivery into the group). */
  append(groupName: string, streamName: string, timestamp: number, message: string): void {
    const group = this.group(groupName);
    group.streams.add(streamName);
    group.events.push({
      eventId: randomUUID().replace(/-/g, ''),
      logStreamName: streamName,
      timestamp,
      ingestionTime: this.clock.now().getTime(),
      message,
    });
  }

  /** Every event of a group, oldest first. */
  eventsOf(groupName: string): readonly StoredLogEvent[] {
    return [...this.group(groupName).events].sort((a, b) => a.timestamp - b.timestamp);
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<unknown> {
    switch (operation) {
      case 'CreateLogGroup': {
        const name = requireString(input, 'logGroupName');
        if (this.groups.has(name)) {
          throw new AwsServiceError(
            'ResourceAlreadyExistsException',
            'The specified log group already exists',
          );
        }
        this.ensureGroup(name);
        return {};
      }
      case 'CreateLogStream': {
        const group = this.group(requireString(input, 'logGroupName'));
        const stream = requireString(input, 'logStreamName');
        if (group.streams.has(stream)) {
          throw new AwsServiceError(
            'ResourceAlreadyExistsException',
            'The specified log stream already exists',
          );
        }
        group.streams.add(stream);
        return {};
      }
      case 'PutLogEvents':
        return this.putLogEvents(input);
      case 'FilterLogEvents':
        return this.filterLogEvents(input);
      default:
        throw new AwsServiceError('UnknownOperationException', `Logs_20140328.${operation} is not emulated`);
    }
  }

  private putLogEvents(input: Record<string, unknown>): unknown {
    const groupName = requireString(input, 'logGroupName');
    const streamName = requireString(input, 'logStreamName');
    if (!this.group(groupName).streams.has(streamName)) {
      throw new AwsServiceError('ResourceNotFoundException', 'The specified log stream does not exist.');
    }
    const events = Array.isArray(input.logEvents) ? (input.logEvents as Record<string, unknown>[]) : [];
    for (const event of events) {
      if (typeof event.timestamp !== 'number' || typeof event.message !== 'string') {
        throw new AwsServiceError(
          'InvalidParameterException',
          'Each log event needs a timestamp and a message',
        );
      }
      this.append(groupName, streamName, event.timestamp, event.message);
    }
    return {};
  }

  private filterLogEvents(input: Record<string, unknown>): unknown {
    const group = this.group(requireString(input, 'logGroupName'));
    const matches = compileFilterPattern(optionalString(input, 'filterPattern'));
    const startTime = typeof input.startTime === 'number' ? input.startTime : Number.NEGATIVE_INFINITY;
    const endTime = typeof input.endTime === 'number' ? input.endTime : Number.POSITIVE_INFINITY;
    const streams = Array.isArray(input.logStreamNames)
      ? new Set(input.logStreamNames as string[])
      : undefined;
    const limit = typeof input.limit === 'number' ? input.limit : MAX_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new AwsServiceError('InvalidParameterException', `limit must be between 1 and ${MAX_PAGE}`);
    }
    const start = decodeToken(optionalString(input, 'nextToken'));
    const found = [...group.events]
      .sort((a, b) => a.timestamp - b.timestamp)
      .filter((event) => event.timestamp >= startTime && event.timestamp <= endTime)
      .filter((event) => !streams || streams.has(event.logStreamName))
      .filter((event) => matches(event.message));
    const page = found.slice(start, start + limit);
    const next = start + limit < found.length ? encodeToken(start + limit) : undefined;
    return { events: page, searchedLogStreams: [], ...(next ? { nextToken: next } : {}) };
  }

  private group(name: string): LogGroup {
    const group = this.groups.get(name);
    if (!group)
      throw new AwsServiceError('ResourceNotFoundException', 'The specified log group does not exist.');
    return group;
  }
}

function encodeToken(offset: number): string {
  return Buffer.from(`logs:${offset}`).toString('base64url');
}

function decodeToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^logs:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw new AwsServiceError('InvalidParameterException', 'The specified nextToken is invalid');
  return Number(match[1]);
}
