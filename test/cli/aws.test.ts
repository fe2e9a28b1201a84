import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAuditTrail } from '../../lambdas/cli/audit-trail';
import { awsServices } from '../../lambdas/cli/aws-services';
import { runCli } from '../../lambdas/cli/program';
import type { GlobalOptions } from '../../lambdas/cli/services';
import { Sink } from './cli-harness';

const secrets = mockClient(SecretsManagerClient);
const logs = mockClient(CloudWatchLogsClient);

const TAGS = [
  { Key: 'rotor:provider', Value: 'sendgrid' },
  { Key: 'rotor:admin-secret', Value: 'rotor/admin/sendgrid' },
];

/** `rotor <args>` wired to the real AWS services, whose SDK clients are mocked. */
async function rotor(args: readonly string[], stdin = '') {
  const stdout = new Sink();
  const stderr = new Sink();
  const exitCode = await runCli(['node', 'rotor', '--region', 'us-east-1', ...args], {
    stdout,
    stderr,
    stdin: Readable.from([Buffer.from(stdin)]),
    env: {},
    connect: awsServices,
  });
  return { exitCode, stdout: stdout.text, stderr: stderr.text };
}

beforeEach(() => {
  secrets.reset();
  logs.reset();
});

afterEach(() => {
  secrets.reset();
  logs.reset();
});

describe('the rotor CLI over the AWS SDK', () => {
  it('status pages through ListSecrets filtered on the rotor:provider tag key', async () => {
    secrets
      .on(ListSecretsCommand)
      .resolvesOnce({
        SecretList: [
          { ARN: 'arn:a', Name: 'app/a', Tags: TAGS, RotationEnabled: true, LastRotatedDate: new Date() },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({ SecretList: [{ ARN: 'arn:b', Name: 'app/b', Tags: TAGS, RotationEnabled: false }] });
    const { exitCode, stdout } = await rotor(['status', '--output', 'json']);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).map((row: { name: string }) => row.name)).toEqual(['app/b', 'app/a']);
    const calls = secrets.commandCalls(ListSecretsCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      expect.objectContaining({ Filters: [{ Key: 'tag-key', Values: ['rotor:provider'] }] }),
      expect.objectContaining({ NextToken: 'page-2' }),
    ]);
  });

  it('rotate sends RotateSecret with a manual-now ClientRequestToken and polls DescribeSecret until AWSCURRENT', async () => {
    let token = '';
    secrets.on(RotateSecretCommand).callsFake((input) => {
      token = input.ClientRequestToken;
      return { ARN: 'arn:a', Name: 'app/a', VersionId: token };
    });
    secrets.on(DescribeSecretCommand).callsFake(() => ({
      ARN: 'arn:a',
      Name: 'app/a',
      VersionIdsToStages: { [token]: ['AWSCURRENT'] },
    }));
    const { exitCode } = await rotor(['rotate', 'app/a', '--revoke-previous-now']);
    expect(exitCode).toBe(0);
    expect(token).toMatch(/^manual-now-[0-9a-f-]{36}$/);
    expect(secrets.commandCalls(RotateSecretCommand)[0]?.args[0].input.SecretId).toBe('app/a');
  });

  it('rotate reports InvalidRequestException "previous rotation isn’t complete" as a rotation under way', async () => {
    secrets.on(RotateSecretCommand).rejects(
      Object.assign(new Error('A previous rotation isn’t complete. That rotation will be reattempted.'), {
        name: 'InvalidRequestException',
      }),
    );
    const { exitCode, stderr } = await rotor(['rotate', 'app/a']);
    expect(exitCode).toBe(1);
    expect(stderr).toContain('rotor: app/a: in-progress: a rotation is already under way');
  });

  it('admin set sends PutSecretValue with the stdin credential and no staging label (AWSCURRENT)', async () => {
    secrets.on(PutSecretValueCommand).resolves({ VersionId: 'v-2' });
    const { exitCode, stdout } = await rotor(['admin', 'set', 'rotor/admin/sendgrid'], 'SG.admin\n');
    expect(exitCode).toBe(0);
    expect(stdout).toBe('Stored a new version of rotor/admin/sendgrid (v-2)\n');
    const input = secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ SecretId: 'rotor/admin/sendgrid', SecretString: 'SG.admin' });
    expect(input?.VersionStages).toBeUndefined();
  });

  it('audit reads the audit log group with a JSON filter on the secret, from --since', async () => {
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        {
          timestamp: 1,
          message: JSON.stringify({
            'detail-type': 'Key Revoked',
            source: 'rotor',
            detail: {
              secretName: 'app/a',
              secretId: 'arn:a',
              trigger: 'leak',
              occurredAt: '2026-12-04T19:00:00.000Z',
              keyId: 'k1',
            },
          }),
        },
        { timestamp: 2, message: 'not an event' },
      ],
    });
    const { exitCode, stdout } = await rotor([
      '--audit-log-group',
      '/custom/audit',
      'audit',
      'app/a',
      '--output',
      'json',
    ]);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      expect.objectContaining({ detailType: 'Key Revoked', time: '2026-12-04T19:00:00.000Z' }),
    ]);
    const input = logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      logGroupName: '/custom/audit',
      filterPattern: '{ ($.detail.secretName = "app/a") || ($.detail.secretId = "app/a") }',
    });
  });

  it('audit refuses a secret name that would break out of the filter pattern', async () => {
    const trail = new CloudWatchAuditTrail(new CloudWatchLogsClient({ region: 'us-east-1' }), '/rotor/audit');
    await expect(trail.read({ secret: 'a" || $.x = "b', since: new Date(0), limit: 10 })).rejects.toThrow(
      'is not a secret name or ARN',
    );
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(0);
  });

  it('sends every call to --endpoint-url in --region', async () => {
    const options: GlobalOptions = {
      region: 'eu-central-1',
      endpointUrl: 'http://127.0.0.1:4566',
      output: 'table',
      auditLogGroup: '/aws/events/Rotor/rotor-audit',
      assistedFunction: 'rotor-assisted',
    };
    const services = awsServices(options);
    const client = (services.store as unknown as { client: SecretsManagerClient }).client;
    expect(await client.config.region()).toBe('eu-central-1');
    const endpoint = await client.config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe('http://127.0.0.1:4566');
  });
});

describe('bin/rotor.mjs', () => {
  const bin = join(__dirname, '..', '..', 'bin', 'rotor.mjs');

  it('runs from a clone with tsx: --help lists every command and exits 0', () => {
    const result = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(0);
    for (const command of ['status', 'plan', 'rotate', 'audit', 'admin'])
      expect(result.stdout).toContain(command);
  });

  it('exits 2 on a usage error', () => {
    const result = spawnSync(process.execPath, [bin, 'rotate'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('name a secret, or use --provider <id> --all');
  });
});
