import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchDeliveryLedger } from '../../lambdas/adapters/cloudwatch-delivery-ledger';
import {
  CloudWatchFingerprintIndex,
  FingerprintLookupError,
} from '../../lambdas/adapters/cloudwatch-fingerprint-index';
import { Durations } from '../../lambdas/domain/duration';
import { FakeClock } from '../support/fake-clock';

const logs = mockClient(CloudWatchLogsClient);
const client = new CloudWatchLogsClient({ region: 'us-east-1' });
const FINGERPRINT = 'sha256:0123456789abcdef';

const keyCreated = (secretId: string) =>
  JSON.stringify({
    'detail-type': 'Key Created',
    source: 'rotor',
    detail: { secretId, fingerprint: FINGERPRINT },
  });

beforeEach(() => logs.reset());

describe('CloudWatchFingerprintIndex', () => {
  const clock = new FakeClock('2026-12-04T19:00:00Z');
  const index = () => new CloudWatchFingerprintIndex(client, '/rotor/audit', 120 * Durations.DAY, clock);

  it('searches Key Created events for the fingerprint within the window', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    await index().find(FINGERPRINT);
    expect(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input).toEqual({
      logGroupName: '/rotor/audit',
      startTime: Date.parse('2026-12-04T19:00:00Z') - 120 * Durations.DAY,
      endTime: Date.parse('2026-12-04T19:00:00Z'),
      filterPattern: `{ (($.detail-type = "Key Created") || ($.detail-type = "Key Verified")) && ($.detail.fingerprint = "${FINGERPRINT}") }`,
      nextToken: undefined,
    });
  });

  it('follows pages and returns each secret once', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ message: keyCreated('arn:a') }, { message: 'garbage' }], nextToken: 'more' })
      .resolvesOnce({ events: [{ message: keyCreated('arn:a') }, { message: keyCreated('arn:b') }] });
    expect(await index().find(FINGERPRINT)).toEqual(['arn:a', 'arn:b']);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(2);
  });

  it('refuses anything but a Rotor fingerprint, so nothing else reaches the filter pattern', async () => {
    await expect(index().find('sha256:" || 1 = 1')).rejects.toBeInstanceOf(FingerprintLookupError);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(0);
  });

  it('names the log group when the search fails', async () => {
    logs
      .on(FilterLogEventsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(index().find(FINGERPRINT)).rejects.toThrow(
      'Searching /rotor/audit failed: AccessDeniedException',
    );
  });
});

describe('CloudWatchDeliveryLedger', () => {
  const ledger = () => new CloudWatchDeliveryLedger(client, '/rotor/leak-deliveries');

  it('records a new delivery as a log stream named after it', async () => {
    logs.on(CreateLogStreamCommand).resolves({});
    expect(await ledger().remember('github-72d3162e')).toBe(true);
    expect(logs.commandCalls(CreateLogStreamCommand)[0]?.args[0].input).toEqual({
      logGroupName: '/rotor/leak-deliveries',
      logStreamName: 'github-72d3162e',
    });
  });

  it('answers false for a delivery it has seen (ResourceAlreadyExistsException)', async () => {
    logs
      .on(CreateLogStreamCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ResourceAlreadyExistsException' }));
    expect(await ledger().remember('github-72d3162e')).toBe(false);
  });

  it('lets any other failure through, so the request fails rather than acting twice', async () => {
    logs
      .on(CreateLogStreamCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(ledger().remember('github-72d3162e')).rejects.toThrow('slow down');
  });
});
