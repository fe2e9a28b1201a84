import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../lambdas/adapters/eventbridge-publisher';
import type { AuditEvent } from '../../lambdas/domain/audit-events';
import { EventPublishError } from '../../lambdas/domain/errors';

const eventBridge = mockClient(EventBridgeClient);
const publisher = new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), 'rotor-audit');
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:payments/sendgrid-AbCdEf';
const event = (detailType: string): AuditEvent => ({
  detailType,
  detail: {
    secretId: ARN,
    secretName: 'payments/sendgrid',
    provider: 'sendgrid',
    trigger: 'schedule',
    occurredAt: '2026-12-04T19:00:00.000Z',
  },
});

beforeEach(() => eventBridge.reset());

describe('EventBridgePublisher', () => {
  it('sends a step’s events in one PutEvents request on Rotor’s bus with source "rotor"', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}, {}] });
    await publisher.publish([event('Rotation Started'), event('Key Created')]);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entries = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((entry) => [entry.EventBusName, entry.Source, entry.DetailType])).toEqual([
      ['rotor-audit', 'rotor', 'Rotation Started'],
      ['rotor-audit', 'rotor', 'Key Created'],
    ]);
    expect(entries[0]?.Resources).toEqual([ARN]);
  });

  it('fails with EventPublishError when EventBridge reports failed entries', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }],
    });
    await expect(publisher.publish([event('Rotation Started'), event('Key Created')])).rejects.toThrow(
      new EventPublishError('EventBridge rejected 1 of 2 audit events (InternalFailure)'),
    );
  });

  it('sends nothing for no events', async () => {
    await publisher.publish([]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });

  it('refuses more than PutEvents’ 10 entries instead of splitting a step into several requests', async () => {
    await expect(publisher.publish(Array.from({ length: 11 }, () => event('Key Revoked')))).rejects.toThrow(
      EventPublishError,
    );
  });
});
