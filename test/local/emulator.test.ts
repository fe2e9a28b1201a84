import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lambdas/domain/ports';
import { LocalClock } from '../../local/clock';
import { compileFilterPattern } from '../../local/emulator/filter-pattern';
import { LocalAws } from '../../local/emulator/local-aws';

const AUDIT = '/test/audit';
let aws: LocalAws;
const steps: Array<{ Step: string; SecretId: string }> = [];
const config = () => ({
  endpoint: aws.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

beforeAll(async () => {
  aws = await LocalAws.start({
    eventBusName: 'rotor-test',
    logGroups: ['/test/ledger'],
    rules: [{ source: 'rotor', logGroupName: AUDIT }],
  });
  aws.lambda.register('rotation', async (event) => {
    steps.push(event as { Step: string; SecretId: string });
  });
  aws.lambda.register('echo', async (event) => ({ echoed: event }));
});
afterAll(async () => {
  await aws.close();
});

describe('local Secrets Manager', () => {
  it('answers a missing secret with ResourceNotFoundException, as the SDK names it', async () => {
    const client = new SecretsManagerClient(config());
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'missing' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('answers a second CreateSecret of one name with ResourceExistsException', async () => {
    const client = new SecretsManagerClient(config());
    await client.send(new CreateSecretCommand({ Name: 'twice', SecretString: 'a' }));
    await expect(
      client.send(new CreateSecretCommand({ Name: 'twice', SecretString: 'b' })),
    ).rejects.toMatchObject({
      name: 'ResourceExistsException',
    });
  });

  it('runs the rotation function’s four steps in order after RotateSecret, and sets the schedule', async () => {
    const client = new SecretsManagerClient(config());
    const { ARN } = await client.send(new CreateSecretCommand({ Name: 'rotated', SecretString: 'v1' }));
    const { VersionId } = await client.send(
      new RotateSecretCommand({
        SecretId: 'rotated',
        RotationLambdaARN: aws.lambda.arnOf('rotation'),
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      }),
    );
    await aws.settle();
    expect(steps.filter((step) => step.SecretId === ARN).map((step) => step.Step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    const description = await client.send(new DescribeSecretCommand({ SecretId: 'rotated' }));
    expect(description.VersionIdsToStages?.[VersionId as string]).toEqual(['AWSPENDING']);
    expect(description.RotationEnabled).toBe(true);
    expect(description.NextRotationDate).toBeInstanceOf(Date);
  });

  it('pages ListSecrets and filters by name prefix, with ! negating', async () => {
    const client = new SecretsManagerClient(config());
    for (const name of ['team-a/one', 'team-a/two', 'team-b/one']) {
      await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    }
    const first = await client.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['team-a/'] }], MaxResults: 1 }),
    );
    const second = await client.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['team-a/'] }], NextToken: first.NextToken }),
    );
    expect([...(first.SecretList ?? []), ...(second.SecretList ?? [])].map((secret) => secret.Name)).toEqual([
      'team-a/one',
      'team-a/two',
    ]);
    const negated = await client.send(
      new ListSecretsCommand({
        Filters: [
          { Key: 'name', Values: ['team-'] },
          { Key: 'name', Values: ['!team-a'] },
        ],
      }),
    );
    expect(negated.SecretList?.map((secret) => secret.Name)).toEqual(['team-b/one']);
  });
});

describe('local EventBridge and CloudWatch Logs', () => {
  it('accepts valid entries, counts a malformed one as failed, and delivers rotor events to the rule’s log group', async () => {
    const events = new EventBridgeClient(config());
    const output = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'rotor-test',
            Source: 'rotor',
            DetailType: 'Key Created',
            Detail: '{"secretName":"a"}',
          },
          { EventBusName: 'rotor-test', Source: 'rotor', DetailType: 'Key Created', Detail: 'not json' },
        ],
      }),
    );
    expect(output.FailedEntryCount).toBe(1);
    expect(output.Entries?.[1]?.ErrorCode).toBe('MalformedDetail');
    const logs = new CloudWatchLogsClient(config());
    const found = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: AUDIT,
        filterPattern: '{ ($.detail-type = "Key Created") && ($.detail.secretName = "a") }',
      }),
    );
    expect(found.events).toHaveLength(1);
    expect(JSON.parse(found.events?.[0]?.message ?? '{}')).toMatchObject({
      source: 'rotor',
      detail: { secretName: 'a' },
    });
  });

  it('creates a log stream once and answers the second create with ResourceAlreadyExistsException', async () => {
    const logs = new CloudWatchLogsClient(config());
    await logs.send(
      new CreateLogStreamCommand({ logGroupName: '/test/ledger', logStreamName: 'delivery-1' }),
    );
    await expect(
      logs.send(new CreateLogStreamCommand({ logGroupName: '/test/ledger', logStreamName: 'delivery-1' })),
    ).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
  });
});

describe('local Lambda', () => {
  it('answers an Event invoke 202 and runs the function', async () => {
    const lambda = new LambdaClient(config());
    const before = aws.lambda.invocations.length;
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: Buffer.from('{"n":1}') }),
    );
    await aws.settle();
    expect(output.StatusCode).toBe(202);
    expect(aws.lambda.invocations.slice(before).map((invocation) => invocation.functionName)).toEqual([
      'echo',
    ]);
  });

  it('returns the result of a RequestResponse invoke', async () => {
    const lambda = new LambdaClient(config());
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{"n":2}') }),
    );
    expect(JSON.parse(Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8'))).toEqual({
      echoed: { n: 2 },
    });
  });
});

describe('compileFilterPattern', () => {
  const message = JSON.stringify({
    'detail-type': 'Key Revoked',
    detail: { secretName: 'prod/a', count: 3 },
  });

  it('binds && tighter than ||', () => {
    const filter = compileFilterPattern(
      '{ ($.detail.secretName = "x") && ($.detail.count = 1) || ($.detail-type = "Key Revoked") }',
    );
    expect(filter(message)).toBe(true);
  });

  it('matches * as a wildcard inside a string', () => {
    expect(compileFilterPattern('{ $.detail.secretName = "prod/*" }')(message)).toBe(true);
    expect(compileFilterPattern('{ $.detail.secretName = "dev/*" }')(message)).toBe(false);
  });

  it('compares numbers', () => {
    expect(compileFilterPattern('{ $.detail.count >= 3 }')(message)).toBe(true);
    expect(compileFilterPattern('{ $.detail.count > 3 }')(message)).toBe(false);
  });

  it('requires every term of a term pattern', () => {
    expect(compileFilterPattern('Revoked "prod/a"')(message)).toBe(true);
    expect(compileFilterPattern('Revoked prod/b')(message)).toBe(false);
  });

  it('refuses syntax it does not emulate instead of matching loosely', () => {
    expect(() => compileFilterPattern('[ip, user]')).toThrow(/does not support/);
  });
});

describe('LocalClock', () => {
  it('moves systemClock forward, and only forward', () => {
    const clock = new LocalClock();
    try {
      const before = systemClock.now().getTime();
      clock.advance(86_400_000);
      expect(systemClock.now().getTime() - before).toBeGreaterThanOrEqual(86_400_000);
      expect(() => clock.advance(-1)).toThrow(/only moves forward/);
    } finally {
      clock.reset();
    }
    expect(Math.abs(systemClock.now().getTime() - Date.now())).toBeLessThan(1000);
  });
});
