import { Match, Template } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROTOR_RUNTIME } from '../../lib/orchestrator';
import { exampleApp } from './fixtures';

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

let template: Template;

/** Every statement of every identity policy attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(rolePrefix: string): Statement[] {
  const policies = {
    ...template.findResources('AWS::IAM::Policy'),
    ...template.findResources('AWS::IAM::ManagedPolicy'),
  };
  return Object.values(policies)
    .filter((policy) => JSON.stringify(policy.Properties.Roles ?? []).includes(rolePrefix))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

function operatorStatements(): Statement[] {
  const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
  return policy?.Properties.PolicyDocument.Statement as Statement[];
}

function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

beforeAll(() => {
  template = Template.fromStack(exampleApp().rotor.core);
});

describe('RotorOrchestrator shared resources', () => {
  it('encrypts secrets with a customer-managed key that rotates', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('managed API keys'),
      EnableKeyRotation: true,
    });
  });

  it('archives audit events for 400 days by default', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: 400,
      EventPattern: { source: ['rotor'] },
    });
  });

  it('copies every audit event into a log group with retention, through a native resource policy', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^/aws/events/.*rotor-audit$'),
      RetentionInDays: 400,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['rotor'] },
      Targets: [Match.objectLike({ Arn: Match.objectLike({ 'Fn::Join': Match.anyValue() }) })],
    });
    template.resourceCountIs('AWS::Logs::ResourcePolicy', 1);
    template.resourceCountIs('Custom::CloudwatchLogResourcePolicy', 0);
  });

  it('sends rotation failures, policy violations, leaks and assisted requests to a KMS-encrypted alert topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['rotor'],
        'detail-type': [
          'Rotation Failed',
          'Policy Violation',
          'Leak Reported',
          'Assisted Rotation Requested',
          'Assisted Revocation Requested',
        ],
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('Alerts') } })],
    });
  });

  it('sends Secrets Manager RotationFailed and RotationAbandoned to the alert topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.secretsmanager'],
        detail: { eventName: ['RotationFailed', 'RotationAbandoned'] },
      },
    });
  });

  it('subscribes the configured addresses to alerts', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'platform-alerts@example.com',
    });
  });

  it('lets EventBridge and CloudWatch use the alert key, so encrypted publishing works', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('alert topic'),
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } }),
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });
});

describe('the rotation function', () => {
  it('runs on the newest Node.js runtime aws-cdk-lib offers, on arm64, with active tracing', () => {
    const newest = Runtime.ALL.filter((runtime) => /^nodejs\d+\.x$/.test(runtime.name))
      .map((runtime) => runtime.name)
      .sort((a, b) => Number.parseInt(b.slice(6), 10) - Number.parseInt(a.slice(6), 10))[0];
    expect(ROTOR_RUNTIME.name).toBe(newest);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: newest,
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
    });
  });

  it('knows the audit bus and the Powertools namespace', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('AuditBus') },
          POWERTOOLS_METRICS_NAMESPACE: 'Rotor',
        }),
      },
    });
  });

  it('logs to its own log group with retention', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('RotationLogs') } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('may be invoked by Secrets Manager from this account only', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'secretsmanager.amazonaws.com',
      Action: 'lambda:InvokeFunction',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('raises an alarm into the alert topic on any error', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alerts') }],
    });
  });

  it('uses no AWS managed policy', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
  });
});

describe('rotation function least privilege', () => {
  it('writes only secrets whose rotation function is this one', () => {
    const writes = roleStatements('RotationRole').filter((s) =>
      actions(s).some((action) => /PutSecretValue|UpdateSecretVersionStage/.test(action)),
    );
    expect(writes).toHaveLength(1);
    expect(writes[0]?.Condition?.StringEquals).toEqual({
      'secretsmanager:resource/AllowRotationLambdaArn': {
        'Fn::GetAtt': [expect.stringMatching(/RotationFunction/), 'Arn'],
      },
    });
    expect(actions(writes[0] as Statement)).toContain('secretsmanager:UpdateSecretVersionStage');
  });

  it('may tag managed secrets with rotor:minting and an assisted request’s tags, and no other key', () => {
    const tagging = roleStatements('RotationRole').filter((s) =>
      actions(s).includes('secretsmanager:TagResource'),
    );
    expect(tagging).toHaveLength(1);
    expect(tagging[0]?.Condition?.['ForAllValues:StringEquals']).toEqual({
      'aws:TagKeys': ['rotor:minting', 'rotor:assisted-requested-at', 'rotor:assisted-reminded-at'],
    });
    expect(tagging[0]?.Condition?.StringEquals).toEqual({
      'secretsmanager:resource/AllowRotationLambdaArn': {
        'Fn::GetAtt': [expect.stringMatching(/RotationFunction/), 'Arn'],
      },
    });
  });

  it('reads exactly the admin secrets its managed keys name', () => {
    const unconditionalReads = roleStatements('RotationRole').filter(
      (s) => actions(s).includes('secretsmanager:GetSecretValue') && !s.Condition,
    );
    expect(unconditionalReads.map((s) => s.Resource)).toEqual([
      { Ref: expect.stringMatching(/^RotorAdminrotoradminsendgrid/) },
      { Ref: expect.stringMatching(/^RotorAdminrotoradmindatadog/) },
    ]);
  });

  it('puts events on the Rotor bus only', () => {
    const puts = roleStatements('RotationRole').filter((s) => actions(s).includes('events:PutEvents'));
    expect(puts.map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/AuditBus/), 'Arn'] },
    ]);
  });

  it('uses the CMK only through Secrets Manager', () => {
    const kms = roleStatements('RotationRole').filter((s) =>
      actions(s).some((action) => action.startsWith('kms:')),
    );
    expect(kms).toHaveLength(1);
    expect(kms[0]?.Condition?.StringEquals?.['kms:ViaService']).toBeDefined();
  });
});

describe('managed secrets', () => {
  it('are encrypted with the CMK, start as the placeholder and carry the §2 tags', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'prod/newsletter/sendgrid',
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecretsKey'), 'Arn'] },
      SecretString: JSON.stringify({ 'rotor:awaiting-first-key': true, provider: 'sendgrid' }),
      Tags: Match.arrayWith([
        // CDK sorts tags by key.
        { Key: 'rotor:admin-secret', Value: 'rotor/admin/sendgrid' },
        { Key: 'rotor:grace', Value: 'PT24H' },
        { Key: 'rotor:max-age', Value: 'P45D' },
        { Key: 'rotor:provider', Value: 'sendgrid' },
        { Key: 'rotor:region', Value: 'global' },
        { Key: 'rotor:scopes', Value: 'mail.send' },
        { Key: 'rotor:unused-after', Value: 'P14D' },
      ]),
    });
  });

  it('deny every request made without TLS', () => {
    const policies = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy'));
    // Three managed keys and two admin secrets.
    expect(policies).toHaveLength(5);
    for (const policy of policies) {
      expect(policy.Properties.ResourcePolicy.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'secretsmanager:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('let the declared readers read them', () => {
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      SecretId: { Ref: Match.stringLikeRegexp('^newsletterSecret') },
      ResourcePolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::123456789012:role/newsletter-service' },
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          }),
        ]),
      },
    });
  });

  it('rotate on a rate with a window, right after creation, on the unqualified function ARN', () => {
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: Match.stringLikeRegexp('^newsletterSecret') },
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('RotationFunction'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)', Duration: '4h' },
      RotateImmediatelyOnUpdate: true,
    });
  });

  it('rotate on a cron expression with a window', () => {
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'cron(0 3 ? * MON *)', Duration: '2h' },
    });
  });

  it('schedule only after the invoke permission and the function access exist', () => {
    const schedules = Object.values(template.findResources('AWS::SecretsManager::RotationSchedule'));
    for (const schedule of schedules) {
      expect(schedule.DependsOn).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/SecretsManagerInvoke/),
          expect.stringMatching(/RotationAccess/),
        ]),
      );
    }
  });
});

describe('admin secrets', () => {
  it('are created blank and CMK-encrypted, never from a template parameter', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'rotor/admin/sendgrid',
      SecretString: ' ',
      KmsKeyId: Match.anyValue(),
    });
    const parameters = Object.keys(template.toJSON().Parameters ?? {});
    expect(parameters.filter((name) => /admin|secret|credential/i.test(name))).toEqual([]);
  });

  it('can be read by the rotation function, the enforcer and the leak endpoint alone', () => {
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      SecretId: { Ref: Match.stringLikeRegexp('^RotorAdmin') },
      ResourcePolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'secretsmanager:GetSecretValue',
            Condition: {
              StringNotEquals: {
                'aws:PrincipalArn': [
                  { 'Fn::GetAtt': [Match.stringLikeRegexp('RotationRole'), 'Arn'] },
                  { 'Fn::GetAtt': [Match.stringLikeRegexp('^EnforcerRole'), 'Arn'] },
                  { 'Fn::GetAtt': [Match.stringLikeRegexp('^LeakEndpointRole'), 'Arn'] },
                ],
              },
            },
          }),
        ]),
      },
    });
  });
});

describe('operator access', () => {
  it('allows rotate, describe and list only with MFA', () => {
    const allows = operatorStatements().filter((s) => s.Effect === 'Allow');
    expect(allows.flatMap(actions)).toEqual(
      expect.arrayContaining([
        'secretsmanager:RotateSecret',
        'secretsmanager:DescribeSecret',
        'secretsmanager:ListSecrets',
      ]),
    );
    for (const statement of allows) {
      expect(statement.Condition?.Bool).toEqual({ 'aws:MultiFactorAuthPresent': 'true' });
    }
  });

  it('never allows GetSecretValue and explicitly denies it on managed secrets', () => {
    const statements = operatorStatements();
    const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap(actions);
    expect(allowed.some((action) => /GetSecretValue|secretsmanager:\*|^\*$/.test(action))).toBe(false);
    const denies = statements.filter(
      (s) => s.Effect === 'Deny' && actions(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(denies.map((s) => s.Condition)).toEqual(
      expect.arrayContaining([
        { Null: { 'secretsmanager:ResourceTag/rotor:provider': 'false' } },
        { StringEquals: { 'secretsmanager:resource/AllowRotationLambdaArn': expect.anything() } },
      ]),
    );
  });

  it('rotates only secrets whose rotation function is Rotor', () => {
    const rotate = operatorStatements().find((s) => actions(s).includes('secretsmanager:RotateSecret'));
    expect(rotate?.Condition?.StringEquals).toHaveProperty([
      'secretsmanager:resource/AllowRotationLambdaArn',
    ]);
  });

  it('is a role that can be assumed only with MFA', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ Ref: Match.stringLikeRegexp('OperatorPolicy') }],
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })],
      },
    });
  });
});
