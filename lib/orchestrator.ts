import { ArnFormat, Duration, Lazy, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { type RotorResourceNames, rotorResourceNames } from '../lambdas/config/stack-names';
import { AssistedTags } from '../lambdas/domain/assisted-mode';
import { DetailType, EVENT_SOURCE } from '../lambdas/domain/audit-events';
import { Tags } from '../lambdas/domain/managed-secret';
import { createRotorFunction } from './function-defaults';
import { LogGroupTarget } from './log-group-target';
import { ManagedKey, type ManagedKeyOptions } from './managed-key';
import { denyWithoutTls } from './policies';

export { ROTOR_RUNTIME } from './function-defaults';

/** Detail types of Rotor's own events that page a human (DESIGN §5; assisted rotation needs an operator). */
export const ALERT_DETAIL_TYPES = [
  DetailType.rotationFailed,
  DetailType.policyViolation,
  DetailType.leakReported,
  DetailType.assistedRotationRequested,
  DetailType.assistedRevocationRequested,
];

/**
 * Tags the rotation function may write: `rotor:minting` before it mints, and
 * the open request of an assisted rotation (createSecret asks an operator).
 */
export const ROTATION_TAG_KEYS: readonly string[] = [
  Tags.minting,
  AssistedTags.requestedAt,
  AssistedTags.remindedAt,
];

/**
 * Tags the assisted function may write: the assisted state tags, never the
 * settings (`rotor:mode`, `rotor:remind-every`) that decide whether a secret
 * is assisted at all.
 */
export const ASSISTED_TAG_KEYS: readonly string[] = Object.values(AssistedTags).filter(
  (tag) => tag !== AssistedTags.mode && tag !== AssistedTags.remindEvery,
);

/** Secrets Manager's own rotation events that page a human. */
export const SECRETS_MANAGER_ALERT_EVENTS = ['RotationFailed', 'RotationAbandoned'];

export interface RotorOrchestratorProps {
  /**
   * How long the audit bus's archive keeps events (replayable).
   * @default Duration.days(400)
   */
  readonly archiveRetention?: Duration;
  /**
   * Retention of the audit log group (the bus's events, queryable with Logs Insights).
   * @default logs.RetentionDays.THIRTEEN_MONTHS
   */
  readonly auditLogRetention?: logs.RetentionDays;
  /**
   * Retention of the rotation function's own log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly functionLogRetention?: logs.RetentionDays;
  /**
   * Addresses subscribed to the alert topic (each must confirm by mail).
   * @default no subscriptions
   */
  readonly alertEmails?: readonly string[];
  /**
   * `ROTOR_ENDPOINT_<PROVIDER>` for the rotation function, by provider id. For
   * test servers and egress proxies only: a tag can never choose an endpoint.
   * @default official provider hosts
   */
  readonly endpointOverrides?: Readonly<Record<string, string>>;
  /**
   * Who may assume the operator role (always with MFA).
   * @default the account's root principal, i.e. IAM users and roles the account allows
   */
  readonly operatorPrincipal?: iam.IPrincipal;
  /**
   * What happens to managed and admin secrets when they leave the stack.
   * Retained by default: a config edit must never delete the key an application reads.
   * @default RemovalPolicy.RETAIN
   */
  readonly secretRemovalPolicy?: RemovalPolicy;
}

/** An admin credential: the provider key that mints and revokes managed keys. */
export interface AdminSecret {
  /** The name the managed secrets' `rotor:admin-secret` tag carries. */
  readonly secretName: string;
  readonly secret: secretsmanager.ISecret;
  /** True when this stack created the secret (CMK-encrypted, resource policy); false when imported by name. */
  readonly ownedByStack: boolean;
}

/** Options of `addAdminSecret`. */
export interface AdminSecretOptions {
  /**
   * Import a secret that already exists instead of creating it. Its key must be
   * Rotor's CMK or aws/secretsmanager, and its resource policy is yours to set.
   * @default false: the stack creates the secret
   */
  readonly existing?: boolean;
}

/** Operators act only with a second factor. */
const MFA = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };

/** The value an admin secret is created with: blank, which the rotation function reports as "is empty". */
const ADMIN_PLACEHOLDER = ' ';

/**
 * Rotor's shared parts: the CMK, the audit bus (archive + log group), the alert
 * topic, the rotation function, the operator role, and the registry of admin
 * secrets and managed keys. Managed keys are added with `manageKey`, in this
 * stack or in others (see lib/rotor-app.ts for how a fleet is split).
 */
export class RotorOrchestrator extends Construct {
  /** Customer-managed key (rotation on) that encrypts managed and admin secrets. */
  readonly key: kms.Key;
  /** Rotor's audit bus: every state change is an event here (DESIGN §5). */
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  /** The bus's events as log lines, for Logs Insights queries. */
  readonly auditLogGroup: logs.LogGroup;
  /** Key of the alert topic (EventBridge and CloudWatch alarms must be allowed to use it). */
  readonly alertKey: kms.Key;
  /** Failures, policy violations, leaks and Secrets Manager's rotation failures land here. */
  readonly alertTopic: sns.Topic;
  readonly rotationFunction: nodejs.NodejsFunction;
  /** Secrets Manager may invoke the rotation function (this account only). Schedules depend on it. */
  readonly rotationInvokePermission: lambda.CfnPermission;
  /** The rotation function's access to secrets, events and the CMK. Schedules depend on it. */
  readonly rotationAccessPolicy: iam.Policy;
  readonly rotationErrorsAlarm: cloudwatch.Alarm;
  /**
   * Stores operator-supplied keys and confirms their predecessors revoked
   * (assisted rotation). Operators invoke it (MFA) instead of reading keys.
   */
  readonly assistedFunction: nodejs.NodejsFunction;
  /** The assisted function's access to managed secrets, events and the CMK. */
  readonly assistedAccessPolicy: iam.Policy;
  /** Names operators' tools rely on, derived from the stack name (lambdas/config/stack-names.ts). */
  readonly names: RotorResourceNames;
  /** MFA-gated: rotate and describe managed secrets, set admin credentials; never read a managed key. */
  readonly operatorPolicy: iam.ManagedPolicy;
  readonly operatorRole: iam.Role;
  /** Every managed key declared so far, in declaration order. */
  readonly managedKeys: ManagedKey[] = [];

  private readonly adminSecrets = new Map<string, AdminSecret>();
  private readonly adminReaders: iam.IRole[] = [];
  private readonly adminReadGrants = new Set<string>();
  private readonly secretRemovalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: RotorOrchestratorProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.secretRemovalPolicy = props.secretRemovalPolicy ?? RemovalPolicy.RETAIN;
    this.names = rotorResourceNames(stack.stackName);

    this.key = new kms.Key(this, 'SecretsKey', {
      description: 'Rotor: encrypts managed API keys and admin credentials',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // As in aws/secretsmanager's own key policy: anyone in the account may decrypt
    // through Secrets Manager, so who reads a secret is decided by the secret's
    // policies alone and a grantRead needs no per-reader key-policy statement
    // (a key policy is capped at 32 KB; a fleet has hundreds of readers).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DecryptThroughSecretsManagerInThisAccount',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'kms:CallerAccount': stack.account,
            'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com`,
          },
        },
      }),
    );

    // Named, not generated: the CLI's defaults and operators' rules find the bus by name.
    this.bus = new events.EventBus(this, 'AuditBus', { eventBusName: this.names.eventBus });
    this.archive = this.bus.archive('AuditArchive', {
      description: 'Rotor audit events, replayable',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.archiveRetention ?? Duration.days(400),
    });
    this.auditLogGroup = new logs.LogGroup(this, 'AuditLog', {
      logGroupName: this.names.auditLogGroup,
      retention: props.auditLogRetention ?? logs.RetentionDays.THIRTEEN_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new events.Rule(this, 'AuditToLogs', {
      eventBus: this.bus,
      description: 'Every Rotor audit event into the audit log group',
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [new LogGroupTarget(this.auditLogGroup)],
    });

    ({ alertKey: this.alertKey, alertTopic: this.alertTopic } = this.createAlerts(props.alertEmails ?? []));

    const { fn, permission, policy } = this.createRotationFunction(props);
    this.rotationFunction = fn;
    this.rotationInvokePermission = permission;
    this.rotationAccessPolicy = policy;
    this.rotationErrorsAlarm = new cloudwatch.Alarm(this, 'RotationErrors', {
      alarmDescription: 'The Rotor rotation function raised errors: a rotation failed or is retrying',
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.rotationErrorsAlarm.addAlarmAction(new cwActions.SnsAction(this.alertTopic));

    ({ fn: this.assistedFunction, policy: this.assistedAccessPolicy } = this.createAssistedFunction(props));

    ({ policy: this.operatorPolicy, role: this.operatorRole } = this.createOperatorAccess(
      props.operatorPrincipal ?? new iam.AccountRootPrincipal(),
    ));
    this.grantReadAdminSecrets(fn);
  }

  /** The ARN pattern every secret of this account and region matches; conditions narrow it. */
  get allSecretsArn(): string {
    return Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * A statement on Rotor's managed secrets only: those whose rotation function is
   * Rotor's. A condition rather than one ARN per secret keeps the policy the same
   * size at 5 keys and at 5,000 (IAM's limit is 10 KB per role).
   */
  managedSecretsStatement(actions: string[]): iam.PolicyStatement {
    return this.onSecretsRotatedBy(this.rotationFunction, actions);
  }

  private onSecretsRotatedBy(fn: lambda.IFunction, actions: string[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions,
      resources: [this.allSecretsArn],
      conditions: { StringEquals: { 'secretsmanager:resource/AllowRotationLambdaArn': fn.functionArn } },
    });
  }

  /** Declares a managed key in `scope` (this stack or another); see ManagedKey. */
  manageKey(scope: Construct, id: string, options: ManagedKeyOptions): ManagedKey {
    const key = new ManagedKey(scope, id, { ...options, orchestrator: this });
    this.managedKeys.push(key);
    return key;
  }

  /**
   * Registers an admin credential. The stack creates it, CMK-encrypted and
   * blank, with a policy that denies reading it to every principal but Rotor's
   * functions; an operator stores the value from stdin after deploy.
   */
  addAdminSecret(secretName: string, options: AdminSecretOptions = {}): AdminSecret {
    if (this.adminSecrets.has(secretName)) throw new Error(`Admin secret ${secretName} is declared twice`);
    const id = `Admin${secretName.replace(/[^A-Za-z0-9]/g, '')}`;
    let admin: AdminSecret;
    if (options.existing) {
      admin = {
        secretName,
        secret: secretsmanager.Secret.fromSecretNameV2(this, id, secretName),
        ownedByStack: false,
      };
    } else {
      const secret = new secretsmanager.Secret(this, id, {
        secretName,
        description:
          'Rotor admin credential: mints and revokes managed keys. Set it from stdin; never read it.',
        encryptionKey: this.key,
        secretStringValue: SecretValue.unsafePlainText(ADMIN_PLACEHOLDER),
        removalPolicy: this.secretRemovalPolicy,
      });
      secret.addToResourcePolicy(denyWithoutTls());
      secret.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlyRotorReadsTheAdminCredential',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['secretsmanager:GetSecretValue'],
          resources: ['*'],
          conditions: {
            // Lazy: readers granted after this secret was declared (the enforcer) are exempt too.
            StringNotEquals: {
              'aws:PrincipalArn': Lazy.list({ produce: () => this.adminReaders.map((role) => role.roleArn) }),
            },
          },
        }),
      );
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'An admin credential is issued by the provider console to a human; Rotor cannot mint its own admin key. Operators replace it with `rotor admin set`.',
      });
      admin = { secretName, secret, ownedByStack: true };
    }
    this.adminSecrets.set(secretName, admin);
    this.operatorPolicy.addStatements(
      new iam.PolicyStatement({
        actions: ['secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [adminArnForPolicies(admin)],
        conditions: MFA,
      }),
    );
    return admin;
  }

  /** Looks up an admin secret declared with `addAdminSecret`. */
  adminSecret(secretName: string): AdminSecret | undefined {
    return this.adminSecrets.get(secretName);
  }

  /**
   * Lets another Rotor function start rotations: RotateSecret's API reference
   * asks the caller for lambda:InvokeFunction on the secret's rotation function
   * as well (the enforcer and the leak function call RotateSecret).
   */
  grantStartRotation(fn: lambda.IFunction): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.rotationFunction.functionArn],
      }),
    );
  }

  /** Called by ManagedKey: the rotation function (and every admin reader) may read an admin secret a key names. */
  useAdminSecret(admin: AdminSecret): void {
    if (this.adminReadGrants.has(admin.secretName)) return;
    this.adminReadGrants.add(admin.secretName);
    for (const reader of this.adminReaders) this.grantAdminRead(reader, admin);
  }

  /**
   * Lets another Rotor function (the enforcer, the leak endpoint) read the admin
   * credentials that managed keys name, now and later. Its role is also exempted
   * from the admin secrets' deny-all-other-readers statement.
   */
  grantReadAdminSecrets(fn: lambda.IFunction): void {
    const role = fn.role;
    if (!role) throw new Error(`${fn.node.path} has no role to grant admin secrets to`);
    this.adminReaders.push(role);
    for (const name of this.adminReadGrants)
      this.grantAdminRead(role, this.adminSecrets.get(name) as AdminSecret);
  }

  /**
   * Lets another Rotor function act on managed secrets only (the condition of
   * `managedSecretsStatement`), list secrets, and use the CMK through Secrets Manager.
   */
  grantManageManagedSecrets(
    grantee: iam.IGrantable,
    actions: string[] = [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:RotateSecret',
    ],
  ): void {
    grantee.grantPrincipal.addToPrincipalPolicy(this.managedSecretsStatement(actions));
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(this.keyThroughSecretsManager());
  }

  private grantAdminRead(role: iam.IRole, admin: AdminSecret): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [adminArnForPolicies(admin)],
      }),
    );
  }

  private keyThroughSecretsManager(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [this.key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
      },
    });
  }

  private createAlerts(emails: readonly string[]): { alertKey: kms.Key; alertTopic: sns.Topic } {
    // A key of its own: EventBridge and CloudWatch must be able to use it to
    // publish, and the secrets key should let no service principal in.
    const alertKey = new kms.Key(this, 'AlertsKey', {
      description: 'Rotor: encrypts the alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      alertKey.grant(new iam.ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    const alertTopic = new sns.Topic(this, 'Alerts', {
      displayName: 'Rotor alerts',
      masterKey: alertKey,
      enforceSSL: true,
    });
    for (const email of emails) alertTopic.addSubscription(new subscriptions.EmailSubscription(email));

    new events.Rule(this, 'RotorAlerts', {
      eventBus: this.bus,
      description: 'Rotation failures, policy violations and leaks page the platform team',
      eventPattern: { source: [EVENT_SOURCE], detailType: ALERT_DETAIL_TYPES },
      targets: [new targets.SnsTopic(alertTopic)],
    });
    // Secrets Manager reports rotations that never reached Rotor's code (invoke
    // denied, timeouts) on the default bus, through CloudTrail.
    new events.Rule(this, 'SecretsManagerRotationAlerts', {
      description: 'Secrets Manager RotationFailed / RotationAbandoned page the platform team',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: { eventName: SECRETS_MANAGER_ALERT_EVENTS },
      },
      targets: [new targets.SnsTopic(alertTopic)],
    });
    return { alertKey, alertTopic };
  }

  private createRotationFunction(props: RotorOrchestratorProps): {
    fn: nodejs.NodejsFunction;
    permission: lambda.CfnPermission;
    policy: iam.Policy;
  } {
    const stack = Stack.of(this);
    const { fn, role } = createRotorFunction(this, {
      ids: { function: 'RotationFunction', role: 'RotationRole', logs: 'RotationLogs' },
      handlerFile: 'rotation.ts',
      description: 'Rotor: Secrets Manager rotation function for third-party API keys',
      roleDescription: 'Rotor rotation function',
      serviceName: 'rotor-rotation',
      environment: { EVENT_BUS_NAME: this.bus.eventBusName },
      endpointOverrides: props.endpointOverrides,
      logRetention: props.functionLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      // Each step may wait out a provider's propagation delay (SendGrid: 5 x 2 s) and 429 back-off.
      tuning: { timeout: Duration.minutes(2) },
    });

    const permission = new lambda.CfnPermission(this, 'SecretsManagerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: stack.account,
    });

    // Not the role's default policy: the function depends on that, and these
    // statements name the function's ARN. Schedules depend on this policy instead.
    const policy = new iam.Policy(this, 'RotationAccess', {
      statements: [
        this.onSecretsRotatedBy(fn, [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ]),
        // Before minting, the function marks the secret so a retry looks for the key; an
        // assisted secret's createSecret records the open request instead. Those tags only.
        this.taggingOnSecretsRotatedBy(fn, ROTATION_TAG_KEYS),
        this.keyThroughSecretsManager(),
      ],
    });
    policy.attachToRole(role);
    this.bus.grantPutEventsTo(fn);
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]',
      reason:
        'Scoped by secretsmanager:resource/AllowRotationLambdaArn to secrets this function rotates: one ARN per managed key would outgrow the 10 KB role policy limit at fleet scale.',
    });
    return { fn, permission, policy };
  }

  /** TagResource on the secrets `fn` rotates, limited to `tagKeys` (every key of the request must be one). */
  private taggingOnSecretsRotatedBy(fn: lambda.IFunction, tagKeys: readonly string[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: ['secretsmanager:TagResource'],
      resources: [this.allSecretsArn],
      conditions: {
        StringEquals: { 'secretsmanager:resource/AllowRotationLambdaArn': fn.functionArn },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [...tagKeys] },
      },
    });
  }

  /**
   * The assisted function: `rotor supply` and `rotor confirm-revoked` run here,
   * so the operator role never reads a managed key. It reads, writes and tags
   * (assisted state only) the secrets the rotation function rotates.
   */
  private createAssistedFunction(props: RotorOrchestratorProps): {
    fn: nodejs.NodejsFunction;
    policy: iam.Policy;
  } {
    const { fn, role } = createRotorFunction(this, {
      ids: { function: 'AssistedFunction', role: 'AssistedRole', logs: 'AssistedLogs' },
      handlerFile: 'assisted.ts',
      description:
        'Rotor: assisted rotation, supply a key and confirm a revocation (invoked by the rotor CLI)',
      roleDescription: 'Rotor assisted rotation: stores operator-supplied keys',
      serviceName: 'rotor-assisted',
      environment: { EVENT_BUS_NAME: this.bus.eventBusName },
      // A supplied key is verified at the provider, through the same endpoints as rotations.
      endpointOverrides: props.endpointOverrides,
      logRetention: props.functionLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      tuning: {
        // Named: the CLI finds it by the stack's name (ROTOR_ASSISTED_FUNCTION overrides).
        functionName: this.names.assistedFunction,
        // Verification waits out the provider's propagation delay (Datadog: 10 x 3 s).
        timeout: Duration.minutes(2),
      },
    });

    // A policy of its own, as for the rotation function: the statements name the rotation function's ARN.
    const policy = new iam.Policy(this, 'AssistedAccess', {
      statements: [
        this.managedSecretsStatement([
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ]),
        this.taggingOnSecretsRotatedBy(this.rotationFunction, ASSISTED_TAG_KEYS),
        this.keyThroughSecretsManager(),
      ],
    });
    policy.attachToRole(role);
    this.bus.grantPutEventsTo(fn);
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]',
      reason:
        'Scoped by secretsmanager:resource/AllowRotationLambdaArn to secrets Rotor rotates: one ARN per managed key would outgrow the 10 KB role policy limit at fleet scale.',
    });
    return { fn, policy };
  }

  private createOperatorAccess(principal: iam.IPrincipal): { policy: iam.ManagedPolicy; role: iam.Role } {
    const mfa = MFA;
    const managed = this.managedSecretsStatement([
      'secretsmanager:RotateSecret',
      'secretsmanager:DescribeSecret',
    ]);
    managed.addConditions(mfa);
    const policy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      description: 'Rotor operators: rotate and inspect managed keys (MFA required); never read them',
      statements: [
        managed,
        new iam.PolicyStatement({
          actions: ['secretsmanager:ListSecrets'],
          resources: ['*'],
          conditions: mfa,
        }),
        // Assisted rotation: the function reads and stores keys; the operator only hands one over.
        // RotateSecret also needs InvokeFunction on the secret's rotation function (API reference).
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [this.assistedFunction.functionArn, this.rotationFunction.functionArn],
          conditions: mfa,
        }),
        // Storing an admin credential encrypts it under the CMK, through Secrets Manager only.
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey'],
          resources: [this.key.keyArn],
          conditions: {
            ...mfa,
            StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
        // Belt and braces: an explicit deny survives any other policy attached to the same principal.
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.allSecretsArn],
          conditions: { Null: { [`secretsmanager:ResourceTag/${Tags.provider}`]: 'false' } },
        }),
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.allSecretsArn],
          conditions: {
            StringEquals: {
              'secretsmanager:resource/AllowRotationLambdaArn': this.rotationFunction.functionArn,
            },
          },
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]',
      reason:
        'Allows only RotateSecret/DescribeSecret on secrets whose rotation function is Rotor (AllowRotationLambdaArn condition) with MFA; the other wildcard statements are denies.',
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'secretsmanager:ListSecrets supports no resource-level permissions; MFA is required.',
    });

    const role = new iam.Role(this, 'OperatorRole', {
      description: 'Rotor operators (MFA): rotate-now, status, admin credential updates',
      assumedBy: new iam.PrincipalWithConditions(principal, mfa),
      managedPolicies: [policy],
      maxSessionDuration: Duration.hours(1),
    });
    return { policy, role };
  }
}

/** A secret imported by name has a partial ARN: `-??????` matches the suffix Secrets Manager adds. */
function adminArnForPolicies(admin: AdminSecret): string {
  return admin.ownedByStack ? admin.secret.secretArn : `${admin.secret.secretArn}-??????`;
}
