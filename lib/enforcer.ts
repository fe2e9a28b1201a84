import { ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AssistedTags } from '../lambdas/domain/assisted-mode';
import { formatDuration } from '../lambdas/domain/duration';
import { EnforcerEnv } from '../lambdas/domain/enforcer/settings';
import { AGE_BUCKETS } from '../lambdas/domain/enforcer/timing';
import { Tags } from '../lambdas/domain/managed-secret';
import { EnforcerMetric } from '../lambdas/handlers/enforcer-handler';
import { createRotorFunction } from './function-defaults';

export interface ExpirationEnforcerProps {
  /** Rotor's audit bus: the enforcer publishes `Key Revoked`, `Policy Violation`, … to it. */
  readonly eventBus: events.IEventBus;
  /** Where the alarms (rotation failures, sweep failures, overdue keys) go. */
  readonly alertTopic: sns.ITopic;
  /** The customer managed key that encrypts the managed secrets (used through Secrets Manager only). */
  readonly secretsKey: kms.IKey;
  /**
   * Admin credential secrets the enforcer may read (to revoke keys). The
   * orchestrator can grant the ones its managed keys name instead, with
   * `grantReadAdminSecrets(enforcer.function)`.
   * @default - none
   */
  readonly adminSecrets?: readonly secretsmanager.ISecret[];
  /**
   * How often the sweep runs.
   * @default Duration.hours(1)
   */
  readonly schedule?: Duration;
  /**
   * A rotation whose AWSPENDING has not moved for this long is cleared.
   * @default Duration.hours(2)
   */
  readonly stuckRotationAfter?: Duration;
  /**
   * Unreferenced provider keys younger than this are left alone.
   * @default Duration.hours(24)
   */
  readonly orphanDelay?: Duration;
  /**
   * Secrets Manager writes per second (UpdateSecretVersionStage, RotateSecret); the account quota is 50, shared.
   * @default 45
   */
  readonly writesPerSecond?: number;
  /**
   * Provider calls in flight at once, per provider.
   * @default 4
   */
  readonly providerConcurrency?: number;
  /**
   * The function's timeout; a sweep that needs longer continues in a new invocation.
   * @default Duration.minutes(10)
   */
  readonly timeout?: Duration;
  /**
   * Deployment-only provider endpoints (`ROTOR_ENDPOINT_<PROVIDER>`), by provider id.
   * @default - the providers' official hosts
   */
  readonly endpointOverrides?: Readonly<Record<string, string>>;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Tags the enforcer may write: the assisted-rotation reminders' state (when
 * the last reminder went out, the open request, the revocation due date).
 */
export const ENFORCER_TAG_KEYS: readonly string[] = [
  AssistedTags.remindedAt,
  AssistedTags.revokeDueAt,
  AssistedTags.requestedAt,
];

/** Namespace of Rotor's metrics (Powertools `namespace`). */
const NAMESPACE = 'Rotor';

/**
 * The expiration-policy enforcer (DESIGN §3): a function that EventBridge
 * Scheduler runs every `schedule`, with retries and a dead-letter queue; its
 * least-privilege role; alarms on rotation failures, sweep failures and
 * overdue keys; and a dashboard.
 */
export class ExpirationEnforcer extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly schedule: scheduler.Schedule;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: {
    readonly rotationFailures: cloudwatch.Alarm;
    readonly sweepFailures: cloudwatch.Alarm;
    readonly sweepDeadLetters: cloudwatch.Alarm;
    readonly overdueKeys: cloudwatch.Alarm;
  };

  constructor(scope: Construct, id: string, props: ExpirationEnforcerProps) {
    super(scope, id);
    const interval = props.schedule ?? Duration.hours(1);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const { fn, role } = createRotorFunction(this, {
      ids: { function: 'Function', role: 'Role', logs: 'Logs' },
      handlerFile: 'enforcer.ts',
      description: 'Rotor: expiration-policy enforcer (revoke, expire, flag, clean up)',
      roleDescription: 'Rotor expiration-policy enforcer',
      serviceName: 'rotor-enforcer',
      environment: {
        EVENT_BUS_NAME: props.eventBus.eventBusName,
        [EnforcerEnv.sweepInterval]: formatDuration(interval.toMilliseconds()),
        [EnforcerEnv.stuckAfter]: formatDuration(
          (props.stuckRotationAfter ?? Duration.hours(2)).toMilliseconds(),
        ),
        [EnforcerEnv.orphanDelay]: formatDuration((props.orphanDelay ?? Duration.hours(24)).toMilliseconds()),
        [EnforcerEnv.writesPerSecond]: String(props.writesPerSecond ?? 45),
        [EnforcerEnv.providerConcurrency]: String(props.providerConcurrency ?? 4),
      },
      endpointOverrides: props.endpointOverrides,
      logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      wildcardReason:
        'secretsmanager:ListSecrets and the X-Ray PutTraceSegments/PutTelemetryRecords actions support no resource-level permissions.',
      tuning: {
        memorySize: 512,
        timeout: props.timeout ?? Duration.minutes(10),
        // A failed continuation (an asynchronous self-invoke) lands in the same queue as a failed schedule.
        retryAttempts: 2,
        onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      },
    });
    this.function = fn;
    this.grantAccess(role, props);

    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Rotor: EventBridge Scheduler invokes the enforcer',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Rotor: expiration-policy sweep',
      schedule: scheduler.ScheduleExpression.rate(interval),
      target: new schedulerTargets.LambdaInvoke(this.function, {
        role: scheduleRole,
        input: scheduler.ScheduleTargetInput.fromObject({}),
        retryAttempts: 3,
        // A sweep that could not start within one interval is superseded by the next.
        maxEventAge: interval,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });

    this.alarms = this.createAlarms(props.alertTopic, interval);
    this.dashboard = this.createDashboard(interval);
    this.acknowledge(scheduleRole);
  }

  private grantAccess(role: iam.Role, props: ExpirationEnforcerProps): void {
    const allSecrets = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // ListSecrets has no resource-level permissions.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }),
    );
    // Managed secrets only: those carrying rotor:provider. A condition keeps the policy one size at any fleet size.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
          'secretsmanager:RotateSecret',
        ],
        resources: [allSecrets],
        conditions: { Null: { [`secretsmanager:ResourceTag/${Tags.provider}`]: 'false' } },
      }),
    );
    // Reminders of assisted rotations record themselves in tags: these keys only, on managed secrets only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:TagResource'],
        resources: [allSecrets],
        conditions: {
          Null: { [`secretsmanager:ResourceTag/${Tags.provider}`]: 'false' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [...ENFORCER_TAG_KEYS] },
        },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.secretsKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
    for (const admin of props.adminSecrets ?? []) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [admin.secretArn] }),
      );
    }
    props.eventBus.grantPutEventsTo(this.function);
    // The continuation invokes the function itself. A policy of its own (not the role's default one,
    // which the function depends on) so naming the function's ARN makes no dependency cycle.
    new iam.Policy(this, 'ContinuationAccess', {
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [this.function.functionArn],
        }),
      ],
      roles: [role],
    });
  }

  private metric(name: string, statistic: string, period: Duration, dimensions: Record<string, string> = {}) {
    return new cloudwatch.Metric({
      namespace: NAMESPACE,
      metricName: name,
      statistic,
      period,
      dimensionsMap: { service: 'rotor-enforcer', ...dimensions },
    });
  }

  private createAlarms(topic: sns.ITopic, interval: Duration) {
    const action = new cwActions.SnsAction(topic);
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string) => {
      const created = new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      return created;
    };
    return {
      rotationFailures: alarm(
        'RotationFailuresAlarm',
        new cloudwatch.Metric({
          namespace: NAMESPACE,
          metricName: 'RotationFailed',
          statistic: 'Sum',
          period: Duration.minutes(5),
          dimensionsMap: { service: 'rotor-rotation' },
        }),
        'Rotor: a rotation step failed (Rotor/RotationFailed)',
      ),
      sweepFailures: alarm(
        'SweepFailuresAlarm',
        this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        'Rotor: the enforcer sweep failed',
      ),
      sweepDeadLetters: alarm(
        'SweepDeadLettersAlarm',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        'Rotor: a sweep or continuation was dead-lettered after its retries',
      ),
      overdueKeys: alarm(
        'OverdueKeysAlarm',
        this.metric(EnforcerMetric.keysOverdue, 'Sum', interval),
        'Rotor: keys older than their max age',
      ),
    };
  }

  private createDashboard(interval: Duration): cloudwatch.Dashboard {
    const sum = (name: string, label: string) => this.metric(name, 'Sum', interval).with({ label });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Rotor alarms',
        width: 24,
        height: 3,
        alarms: Object.values(this.alarms),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Current keys by age',
        width: 12,
        stacked: true,
        left: AGE_BUCKETS.map((bucket) =>
          this.metric(EnforcerMetric.keysByAge, 'Sum', interval, { AgeBucket: bucket }).with({
            label: bucket,
          }),
        ),
      }),
      new cloudwatch.SingleValueWidget({
        title: 'Now',
        width: 12,
        metrics: [
          sum(EnforcerMetric.keysOverdue, 'overdue keys'),
          sum(EnforcerMetric.policyViolations, 'policy violations'),
          sum(EnforcerMetric.keysUnused, 'unused keys'),
          sum(EnforcerMetric.keysExpiring, 'expiring keys'),
        ],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Revocations',
        width: 12,
        left: [
          sum(EnforcerMetric.keysRevoked, 'keys revoked'),
          sum(EnforcerMetric.orphansRevoked, 'orphans revoked'),
          sum(EnforcerMetric.stuckRotationsCleared, 'stuck rotations cleared'),
          sum(EnforcerMetric.rotationsStarted, 'rotations forced'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Sweep health',
        width: 12,
        left: [
          this.metric(EnforcerMetric.sweepDuration, 'Maximum', interval).with({
            label: 'sweep duration (ms)',
          }),
        ],
        right: [
          sum(EnforcerMetric.continuations, 'continuations'),
          sum(EnforcerMetric.ruleFailures, 'rule failures'),
          sum(EnforcerMetric.eventsLost, 'audit events lost'),
        ],
      }),
    );
    return dashboard;
  }

  private acknowledge(scheduleRole: iam.Role): void {
    const stack = Stack.of(this);
    const role = this.function.role as iam.Role;
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? pseudo : value);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${shown(stack.region, '<AWS::Region>')}:${shown(stack.account, '<AWS::AccountId>')}:secret:*]`,
      reason:
        'Scoped by the secretsmanager:ResourceTag/rotor:provider condition to Rotor managed secrets: one ARN per key would outgrow the role policy limit at fleet scale.',
    });
    const functionId = stack.getLogicalId(this.function.node.defaultChild as lambda.CfnFunction);
    Validations.of(scheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason: "The Scheduler target's grant covers the function's versions and aliases: this function only.",
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the enforcer schedule and its asynchronous invocations.',
    });
  }
}
