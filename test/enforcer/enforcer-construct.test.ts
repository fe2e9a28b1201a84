import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExpirationEnforcer } from '../../lib/enforcer';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  Effect: string;
}

let stack: Stack;
let template: Template;

beforeAll(() => {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  stack = new Stack(app, 'EnforcerTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'SecretsKey', { enableKeyRotation: true });
  new ExpirationEnforcer(stack, 'Enforcer', {
    eventBus: new events.EventBus(stack, 'Bus'),
    alertTopic: new sns.Topic(stack, 'Alerts', { enforceSSL: true, masterKey: key }),
    secretsKey: key,
    adminSecrets: [
      secretsmanager.Secret.fromSecretCompleteArn(
        stack,
        'Admin',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rotor/admin/sendgrid-AbCdEf',
      ),
    ],
    schedule: Duration.minutes(30),
  });
  template = Template.fromStack(stack);
}, 120_000);

function statements(): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
}
const actions = (statement: Statement) => [statement.Action].flat();

describe('ExpirationEnforcer construct', () => {
  it('runs the function on an EventBridge Scheduler rate with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(30 minutes)',
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 1800 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
  });

  it('encrypts the dead-letter queue and refuses it to anything but TLS', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('sends failed asynchronous invocations (continuations) to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('deploys an arm64 function on the newest Node runtime with tracing and its own log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs26.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({ ENFORCER_SWEEP_INTERVAL: 'PT30M', ENFORCER_STUCK_AFTER: 'PT2H' }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('lists secrets account-wide and acts only on secrets tagged rotor:provider', () => {
    const listing = statements().find((s) => actions(s).includes('secretsmanager:ListSecrets'));
    expect(listing).toMatchObject({ Resource: '*' });
    expect(actions(listing as Statement)).toEqual(['secretsmanager:ListSecrets']);
    const managed = statements().find((s) => actions(s).includes('secretsmanager:RotateSecret')) as Statement;
    expect(actions(managed).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:RotateSecret',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(managed.Condition).toEqual({ Null: { 'secretsmanager:ResourceTag/rotor:provider': 'false' } });
  });

  it('reads the admin secrets it is given by ARN and nothing else without a condition', () => {
    const unconditional = statements().filter(
      (s) => actions(s).includes('secretsmanager:GetSecretValue') && !s.Condition,
    );
    expect(unconditional.map((s) => s.Resource)).toEqual([
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rotor/admin/sendgrid-AbCdEf',
    ]);
  });

  it('grants lambda:InvokeFunction (continuation, schedule) on the enforcer function only, and PutEvents', () => {
    const invoke = statements().filter((s) => actions(s).includes('lambda:InvokeFunction'));
    expect(invoke.length).toBeGreaterThan(0);
    for (const statement of invoke) {
      for (const resource of [statement.Resource].flat())
        expect(JSON.stringify(resource)).toMatch(/EnforcerFunction/);
    }
    expect(statements().some((s) => actions(s).includes('events:PutEvents'))).toBe(true);
  });

  it('alarms on rotation failures, sweep failures, dead letters and overdue keys, to the alert topic', () => {
    for (const metricName of [
      'RotationFailed',
      'Errors',
      'ApproximateNumberOfMessagesVisible',
      'KeysOverdue',
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('Alerts') })],
      });
    }
  });

  it('has a dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('passes the cdk-nag AwsSolutions checks', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => e.entry.data)).toEqual([]);
  });
});
