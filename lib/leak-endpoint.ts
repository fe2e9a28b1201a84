import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { createRotorFunction } from './function-defaults';

/** Properties of {@link LeakEndpoint}. */
export interface LeakEndpointProps {
  /** Rotor's audit bus: `Leak Reported` and `Key Revoked` are published here. */
  readonly eventBus: events.IEventBus;
  /** Receives an alarm when the leak function fails (a leak that could not be answered). */
  readonly alertTopic: sns.ITopic;
  /**
   * The key that encrypts the managed secrets, the admin secrets and the webhook secret.
   * @default - the AWS managed key `aws/secretsmanager`
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The log group the bus's audit rule writes to; `Key Created` events there are the fingerprint index.
   * @default '/rotor/audit'
   */
  readonly auditLogGroupName?: string;
  /**
   * Name prefix of the admin-credential secrets (`rotor:admin-secret`), read to revoke a leaked previous key.
   * @default 'rotor/admin/'
   */
  readonly adminSecretNamePrefix?: string;
  /**
   * Grant GetSecretValue on every secret under `adminSecretNamePrefix`. Turn it
   * off when the admin secrets are granted by ARN instead (the orchestrator's
   * `grantReadAdminSecrets`): the prefix grant is then redundant and wider.
   * @default true
   */
  readonly grantAdminSecretsByPrefix?: boolean;
  /**
   * The HMAC secret shared with GitHub and other scanners.
   * @default - a new secret with a generated 48-character value
   */
  readonly webhookSecret?: secretsmanager.ISecret;
  /**
   * How far back the fingerprint search looks: at least the longest `rotor:max-age` plus grace.
   * @default Duration.days(120)
   */
  readonly searchWindow?: Duration;
  /**
   * Provider endpoint overrides, as `ROTOR_ENDPOINT_<PROVIDER>` (DESIGN §6): proxies and test servers only.
   * @default - official hosts only
   */
  readonly providerEndpoints?: Readonly<Record<string, string>>;
  /**
   * Retention of the function's own logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The log group holding one log stream per webhook delivery received (the replay ledger). */
const DELIVERY_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * The leak-response endpoint (docs/leak-response.md): a Lambda Function URL
 * (auth NONE; every request is HMAC-verified in code) that accepts GitHub
 * secret-scanning alerts and Rotor's generic signed reports, finds the managed
 * secret by the leaked key's fingerprint, and rotates or revokes.
 */
export class LeakEndpoint extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly url: lambda.FunctionUrl;
  readonly webhookSecret: secretsmanager.ISecret;
  readonly deliveryLog: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LeakEndpointProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const auditLogGroupName = props.auditLogGroupName ?? '/rotor/audit';
    const adminPrefix = props.adminSecretNamePrefix ?? 'rotor/admin/';

    this.webhookSecret =
      props.webhookSecret ??
      new secretsmanager.Secret(this, 'WebhookSecret', {
        description: 'Rotor leak webhook: HMAC secret shared with GitHub and other scanners',
        encryptionKey: props.encryptionKey,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });

    this.deliveryLog = new logs.LogGroup(this, 'Deliveries', {
      retention: DELIVERY_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const { fn, role } = createRotorFunction(this, {
      ids: { function: 'Function', role: 'Role', logs: 'Logs' },
      handlerFile: 'leak.ts',
      description: 'Rotor: leak-report webhook (rotates and revokes a leaked key)',
      roleDescription: 'Rotor leak webhook',
      serviceName: 'rotor-leak',
      environment: {
        EVENT_BUS_NAME: props.eventBus.eventBusName,
        AUDIT_LOG_GROUP: auditLogGroupName,
        DELIVERY_LOG_GROUP: this.deliveryLog.logGroupName,
        WEBHOOK_SECRET_ID: this.webhookSecret.secretArn,
        LEAK_SEARCH_WINDOW: `PT${(props.searchWindow ?? Duration.days(120)).toSeconds()}S`,
      },
      endpointOverrides: props.providerEndpoints,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      logRemovalPolicy: RemovalPolicy.RETAIN,
      tuning: {
        timeout: Duration.seconds(30),
        // A burst of forged requests must not exhaust the account's concurrency.
        reservedConcurrentExecutions: 10,
      },
    });
    this.function = fn;

    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    const secretArn = (name: string) =>
      stack.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });

    // Managed secrets, by tag rather than by ARN: the policy stays one statement at any fleet size.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ManagedSecrets',
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:RotateSecret',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [secretArn('*')],
        conditions: { Null: { 'secretsmanager:ResourceTag/rotor:provider': 'false' } },
      }),
    );
    const byPrefix = props.grantAdminSecretsByPrefix ?? true;
    if (byPrefix) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'AdminCredentials',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretArn(`${adminPrefix}*`)],
        }),
      );
    }
    this.webhookSecret.grantRead(role);
    props.encryptionKey?.grantDecrypt(role);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'FingerprintIndex',
        actions: ['logs:FilterLogEvents'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${auditLogGroupName}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DeliveryLedger',
        actions: ['logs:CreateLogStream'],
        resources: [this.deliveryLog.logGroupArn],
      }),
    );
    props.eventBus.grantPutEventsTo(role);

    new cloudwatch.Alarm(this, 'Errors', {
      alarmDescription:
        'A leak report could not be answered: check the leak function and the Leak Reported events',
      metric: this.function.metricErrors({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cloudwatchActions.SnsAction(props.alertTopic));

    // cdk-nag names each wildcard finding by its resource as it renders it: one acknowledgement each.
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const wildcards: Record<string, string> = {
      [`secretsmanager:${region}:${account}:secret:*`]:
        'Managed secrets are matched by the rotor:provider tag condition: one statement at any fleet size (DESIGN §2).',
      ...(byPrefix
        ? {
            [`secretsmanager:${region}:${account}:secret:${adminPrefix}*`]:
              'Admin credentials are matched by their name prefix; each secret name ends in a random suffix.',
          }
        : {}),
      [`logs:${region}:${account}:log-group:${auditLogGroupName}:*`]:
        'FilterLogEvents on the audit log group and its streams, whose names EventBridge chooses.',
    };
    for (const [resource, reason] of Object.entries(wildcards)) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${resource}]`,
        reason,
      });
    }
    if (!props.webhookSecret) {
      Validations.of(this.webhookSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The webhook HMAC secret is shared with GitHub and scanners; it is rotated by hand in both places.',
      });
    }
  }
}
