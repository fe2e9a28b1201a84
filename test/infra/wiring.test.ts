import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_LOG_GROUP } from '../../lambdas/cli/audit-trail';
import { DEFAULT_ASSISTED_FUNCTION } from '../../lambdas/cli/program';
import { rotorResourceNames, StackNameError } from '../../lambdas/config/stack-names';
import { parseConfig } from '../../lib/config';
import { LeakEndpoint } from '../../lib/leak-endpoint';
import { buildRotorApp } from '../../lib/rotor-app';
import { exampleApp, sendgridKey } from './fixtures';

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

const actions = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** Every statement of every identity policy attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = {
    ...template.findResources('AWS::IAM::Policy'),
    ...template.findResources('AWS::IAM::ManagedPolicy'),
  };
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles ?? []).some((role: { Ref?: string }) => role.Ref?.startsWith(rolePrefix)),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const withAction = (statements: Statement[], action: string) =>
  statements.filter((statement) => actions(statement).includes(action));

const ADMIN_SECRETS = [
  { Ref: expect.stringMatching(/^RotorAdminrotoradminsendgrid/) },
  { Ref: expect.stringMatching(/^RotorAdminrotoradmindatadog/) },
];
const ROTATED_BY_ROTOR = {
  StringEquals: {
    'secretsmanager:resource/AllowRotationLambdaArn': {
      'Fn::GetAtt': [expect.stringMatching(/RotationFunction/), 'Arn'],
    },
  },
};

let template: Template;
/** A config with the enforcer tuned and the leak endpoint off. */
let tuned: Template;

beforeAll(() => {
  template = Template.fromStack(exampleApp().rotor.core);
  const config = parseConfig({
    stackName: 'Staging',
    enforcer: { schedule: 'PT15M', stuckRotationAfter: 'PT3H', orphanDelay: 'P2D', writesPerSecond: 20 },
    leakEndpoint: { enabled: false },
    adminSecrets: { 'rotor/admin/sendgrid': {} },
    keys: { newsletter: sendgridKey() },
  });
  tuned = Template.fromStack(buildRotorApp(new App(), config).core);
}, 180_000);

describe('the core stack wires in the enforcer', () => {
  it('runs it hourly by default, on Rotor’s bus', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'rotor-enforcer',
          ENFORCER_SWEEP_INTERVAL: 'PT1H',
          EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('AuditBus') },
        }),
      },
    });
  });

  it('takes its schedule and thresholds from the config', () => {
    tuned.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(15 minutes)' });
    tuned.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ENFORCER_SWEEP_INTERVAL: 'PT15M',
          ENFORCER_STUCK_AFTER: 'PT3H',
          ENFORCER_ORPHAN_DELAY: 'P2D',
          ENFORCER_WRITES_PER_SECOND: '20',
        }),
      },
    });
  });

  it('reads exactly the admin secrets the managed keys name', () => {
    const reads = withAction(roleStatements(template, 'EnforcerRole'), 'secretsmanager:GetSecretValue');
    expect(reads.filter((s) => !s.Condition).map((s) => s.Resource)).toEqual(ADMIN_SECRETS);
  });

  it('may tag managed secrets with the assisted reminders’ tags and no other key', () => {
    const tagging = withAction(roleStatements(template, 'EnforcerRole'), 'secretsmanager:TagResource');
    expect(tagging).toHaveLength(1);
    expect(tagging[0]?.Condition).toEqual({
      Null: { 'secretsmanager:ResourceTag/rotor:provider': 'false' },
      'ForAllValues:StringEquals': {
        'aws:TagKeys': [
          'rotor:assisted-reminded-at',
          'rotor:assisted-revoke-due-at',
          'rotor:assisted-requested-at',
        ],
      },
    });
  });
});

describe('the core stack wires in the leak endpoint', () => {
  it('searches the stack’s audit log group for fingerprints', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'rotor-leak',
          AUDIT_LOG_GROUP: '/aws/events/Rotor/rotor-audit',
        }),
      },
    });
    const filter = withAction(roleStatements(template, 'LeakEndpointRole'), 'logs:FilterLogEvents');
    expect(JSON.stringify(filter.map((s) => s.Resource))).toContain('/aws/events/Rotor/rotor-audit:*');
  });

  it('reads the admin secrets by ARN, with no grant by name prefix', () => {
    const reads = withAction(roleStatements(template, 'LeakEndpointRole'), 'secretsmanager:GetSecretValue');
    const unconditional = reads.filter((s) => !s.Condition).flatMap((s) => [s.Resource].flat());
    expect(unconditional).toEqual(
      expect.arrayContaining([...ADMIN_SECRETS, { Ref: expect.stringMatching(/WebhookSecret/) }]),
    );
    expect(JSON.stringify(reads)).not.toContain('rotor/admin/');
  });

  it('keeps its webhook secret under Rotor’s CMK', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('leak webhook'),
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecretsKey'), 'Arn'] },
    });
  });

  it('is left out, with its outputs, when the config disables it', () => {
    tuned.resourceCountIs('AWS::Lambda::Url', 0);
    expect(Object.keys(tuned.findOutputs('*'))).not.toContain('LeakWebhookUrl');
    tuned.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: {
              StringNotEquals: {
                'aws:PrincipalArn': [
                  { 'Fn::GetAtt': [Match.stringLikeRegexp('RotationRole'), 'Arn'] },
                  { 'Fn::GetAtt': [Match.stringLikeRegexp('^EnforcerRole'), 'Arn'] },
                ],
              },
            },
          }),
        ]),
      },
    });
  });

  it('still grants admin secrets by prefix when used on its own (the construct’s default)', () => {
    const stack = new Stack(new App(), 'Standalone');
    new LeakEndpoint(stack, 'Leak', {
      eventBus: new events.EventBus(stack, 'Bus'),
      alertTopic: new sns.Topic(stack, 'Topic'),
    });
    const reads = withAction(
      roleStatements(Template.fromStack(stack), 'LeakRole'),
      'secretsmanager:GetSecretValue',
    );
    expect(JSON.stringify(reads)).toContain(':secret:rotor/admin/*');
  }, 60_000);
});

describe('names operators’ tools rely on', () => {
  it('name the bus, the audit log group and the assisted function after the stack', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'rotor-audit' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/events/Rotor/rotor-audit' });
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'rotor-assisted' });
    tuned.hasResourceProperties('AWS::Events::EventBus', { Name: 'staging-audit' });
    tuned.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/events/Staging/rotor-audit' });
    tuned.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'staging-assisted' });
  });

  it('are the CLI’s defaults for the default stack name', () => {
    expect({ DEFAULT_AUDIT_LOG_GROUP, DEFAULT_ASSISTED_FUNCTION }).toEqual({
      DEFAULT_AUDIT_LOG_GROUP: '/aws/events/Rotor/rotor-audit',
      DEFAULT_ASSISTED_FUNCTION: 'rotor-assisted',
    });
  });

  it('refuse a stack name whose assisted function name would pass Lambda’s 64 characters', () => {
    expect(() => rotorResourceNames('R'.repeat(55))).not.toThrow();
    expect(() => rotorResourceNames('R'.repeat(56))).toThrow(StackNameError);
  });

  it('are printed as stack outputs, with the alert topic, operator role and leak webhook', () => {
    const outputs = template.findOutputs('*');
    expect(Object.fromEntries(Object.entries(outputs).map(([id, output]) => [id, output.Value]))).toEqual({
      AuditBusName: { Ref: expect.stringMatching(/AuditBus/) },
      AuditLogGroupName: '/aws/events/Rotor/rotor-audit',
      AlertTopicArn: { Ref: expect.stringMatching(/Alerts/) },
      OperatorRoleArn: { 'Fn::GetAtt': [expect.stringMatching(/OperatorRole/), 'Arn'] },
      AssistedFunctionName: { Ref: expect.stringMatching(/AssistedFunction/) },
      LeakWebhookUrl: {
        'Fn::GetAtt': [expect.stringMatching(/LeakEndpointFunctionFunctionUrl/), 'FunctionUrl'],
      },
      LeakWebhookSecretArn: { Ref: expect.stringMatching(/WebhookSecret/) },
    });
  });
});

describe('the assisted function', () => {
  const assisted = () => roleStatements(template, 'RotorAssistedRole');

  it('reads, stores and relabels only secrets Rotor rotates', () => {
    const secrets = assisted().filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
    const access = secrets.filter((s) => !actions(s).includes('secretsmanager:TagResource'));
    expect(access).toHaveLength(1);
    expect(actions(access[0] as Statement).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(access[0]?.Condition).toEqual(ROTATED_BY_ROTOR);
  });

  it('may write the assisted state tags, and neither rotor:mode nor rotor:remind-every', () => {
    const tagging = withAction(assisted(), 'secretsmanager:TagResource');
    expect(tagging).toHaveLength(1);
    expect(tagging[0]?.Condition?.StringEquals).toEqual(ROTATED_BY_ROTOR.StringEquals);
    const keys = tagging[0]?.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys'];
    expect(keys).toEqual(
      expect.arrayContaining([
        'rotor:assisted-requested-at',
        'rotor:assisted-revoke-due-at',
        'rotor:assisted-reminded-at',
      ]),
    );
    expect(keys).not.toContain('rotor:mode');
    expect(keys).not.toContain('rotor:remind-every');
  });

  it('rotates nothing, lists nothing and reads no admin credential', () => {
    const all = assisted().flatMap(actions);
    expect(all).not.toContain('secretsmanager:RotateSecret');
    expect(all).not.toContain('secretsmanager:ListSecrets');
    expect(withAction(assisted(), 'secretsmanager:GetSecretValue').every((s) => s.Condition)).toBe(true);
  });

  it('puts events on the Rotor bus and uses the CMK through Secrets Manager only', () => {
    expect(withAction(assisted(), 'events:PutEvents').map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/AuditBus/), 'Arn'] },
    ]);
    const kms = assisted().filter((s) => actions(s).some((a) => a.startsWith('kms:')));
    expect(kms.map((s) => s.Condition?.StringEquals?.['kms:ViaService'])).toEqual([expect.any(Object)]);
  });

  it('may be invoked by the operator role with MFA, as may the rotation function RotateSecret runs, and nothing else', () => {
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const invokes = withAction(
      policy?.Properties.PolicyDocument.Statement as Statement[],
      'lambda:InvokeFunction',
    );
    expect(invokes).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [
          { 'Fn::GetAtt': [expect.stringMatching(/AssistedFunction/), 'Arn'] },
          { 'Fn::GetAtt': [expect.stringMatching(/RotationFunction/), 'Arn'] },
        ],
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    ]);
  });
});

describe('callers of RotateSecret', () => {
  it.each(['EnforcerRole', 'LeakEndpointRole'])(
    '%s may invoke the rotation function, as RotateSecret requires',
    (rolePrefix) => {
      const invokes = withAction(roleStatements(template, rolePrefix), 'lambda:InvokeFunction');
      expect(invokes.map((statement) => statement.Resource)).toContainEqual({
        'Fn::GetAtt': [expect.stringMatching(/RotationFunction/), 'Arn'],
      });
    },
  );
});
