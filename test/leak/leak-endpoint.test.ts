import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LeakEndpoint } from '../../lib/leak-endpoint';

let stack: Stack;
let template: Template;

beforeAll(() => {
  const app = new App();
  stack = new Stack(app, 'LeakEndpointTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  new LeakEndpoint(stack, 'Leak', {
    eventBus: new events.EventBus(stack, 'Bus', { eventBusName: 'rotor' }),
    alertTopic: new sns.Topic(stack, 'Alerts', {
      enforceSSL: true,
      masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }),
    }),
    encryptionKey: new kms.Key(stack, 'SecretsKey', { enableKeyRotation: true }),
  });
  template = Template.fromStack(stack);
});

/** Every statement of the leak function's role policies. */
function statements(): { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: [] } } }).Properties.PolicyDocument.Statement,
  );
}

function actions(): string[] {
  return statements().flatMap((statement) => [statement.Action].flat());
}

describe('LeakEndpoint', () => {
  it('serves a Function URL without IAM auth: every request is HMAC-verified in code', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
  });

  it('runs on arm64 with the newest Node.js runtime and its own log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs26.x',
      Architectures: ['arm64'],
      LoggingConfig: { LogGroup: Match.anyValue() },
      ReservedConcurrentExecutions: 10,
    });
  });

  it('tells the function where the bus, the audit log, the ledger and the signing secret are', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          EVENT_BUS_NAME: Match.anyValue(),
          AUDIT_LOG_GROUP: '/rotor/audit',
          DELIVERY_LOG_GROUP: Match.anyValue(),
          WEBHOOK_SECRET_ID: Match.anyValue(),
          LEAK_SEARCH_WINDOW: 'PT10368000S',
        }),
      },
    });
  });

  it('creates the signing secret, encrypted with the given key', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
      KmsKeyId: Match.anyValue(),
    });
  });

  it('keeps a delivery ledger log group with a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('may touch managed secrets only where they carry the rotor:provider tag', () => {
    expect(statements()).toContainEqual(
      expect.objectContaining({
        Sid: 'ManagedSecrets',
        Action: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:RotateSecret',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        Condition: { Null: { 'secretsmanager:ResourceTag/rotor:provider': 'false' } },
      }),
    );
  });

  it('reads admin credentials under their prefix only', () => {
    const admin = statements().find((statement) => statement.Sid === 'AdminCredentials');
    expect(admin?.Action).toBe('secretsmanager:GetSecretValue');
    expect(JSON.stringify(admin?.Resource)).toContain(':secret:rotor/admin/*');
  });

  it('searches the audit log group and creates streams in the ledger, nothing more in CloudWatch Logs', () => {
    const fingerprint = statements().find((statement) => statement.Sid === 'FingerprintIndex');
    expect(fingerprint?.Action).toBe('logs:FilterLogEvents');
    expect(JSON.stringify(fingerprint?.Resource)).toContain(':log-group:/rotor/audit:*');
    expect(
      actions()
        .filter((action) => action.startsWith('logs:'))
        .sort(),
    ).toEqual(['logs:CreateLogStream', 'logs:CreateLogStream', 'logs:FilterLogEvents', 'logs:PutLogEvents']);
  });

  it('publishes to the bus, decrypts with the key, and has no write access to secret values', () => {
    expect(actions()).toContain('events:PutEvents');
    expect(actions()).toContain('kms:Decrypt');
    expect(actions()).not.toContain('secretsmanager:PutSecretValue');
    expect(actions()).not.toContain('secretsmanager:ListSecrets');
    expect(actions().some((action) => action.endsWith('*'))).toBe(false);
  });

  it('does not use the AWS managed basic execution role', () => {
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
  });

  it('alarms to the alert topic when the function fails', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      AlarmActions: [Match.anyValue()],
    });
  });

  it('passes the AwsSolutions checks, with local, reasoned acknowledgements only', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.map(
      (violation) =>
        `${violation.ruleName}: ${violation.violatingResources.map((resource) => resource.locations?.join(',') ?? resource.resourceLogicalId).join(' ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('passes the AwsSolutions checks in an environment-agnostic stack too', () => {
    const agnostic = new Stack(new App(), 'Agnostic');
    new LeakEndpoint(agnostic, 'Leak', {
      eventBus: new events.EventBus(agnostic, 'Bus'),
      alertTopic: new sns.Topic(agnostic, 'Alerts', {
        enforceSSL: true,
        masterKey: new kms.Key(agnostic, 'K', { enableKeyRotation: true }),
      }),
      auditLogGroupName: '/custom/audit',
      adminSecretNamePrefix: 'ops/admin/',
    });
    expect(
      new AwsSolutionsChecks().validateScope(agnostic).violations.map((violation) => violation.ruleName),
    ).toEqual([]);
  });
});
