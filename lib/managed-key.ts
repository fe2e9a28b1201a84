import { Tags as CdkTags, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { placeholderValue } from '../lambdas/domain/secret-value';
import { assertValidDeclaration, type ManagedKeySpec, managedKeyTags } from './managed-key-spec';
import type { AdminSecret, RotorOrchestrator } from './orchestrator';
import { denyWithoutTls } from './policies';

/** A managed key as `RotorOrchestrator.manageKey` takes it. */
export interface ManagedKeyOptions extends ManagedKeySpec {
  /** The admin credential that mints and revokes this key (from `orchestrator.addAdminSecret`). */
  readonly adminSecret: AdminSecret;
  /**
   * Principals (role ARNs) allowed to read the key, written into the secret's resource policy.
   * For principals in this app, prefer `grantRead`.
   * @default none
   */
  readonly readerArns?: readonly string[];
  /**
   * What happens to the secret when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface ManagedKeyProps extends ManagedKeyOptions {
  readonly orchestrator: RotorOrchestrator;
}

/** The actions a consumer needs to read a managed key. */
const READ_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];

/**
 * One third-party API key under Rotor: a CMK-encrypted secret carrying its
 * policy in `rotor:` tags, a resource policy that refuses plain HTTP, and a
 * rotation schedule on Rotor's rotation function. The schedule rotates once
 * at creation, which mints the first key (the bootstrap trigger).
 *
 * Three CloudFormation resources per key (see RESOURCES_PER_KEY in rotor-app.ts).
 */
export class ManagedKey extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly schedule: secretsmanager.CfnRotationSchedule;
  readonly secretName: string;
  readonly provider: string;

  constructor(scope: Construct, id: string, props: ManagedKeyProps) {
    super(scope, id);
    const resolved = assertValidDeclaration(id, props);
    const { orchestrator } = props;
    this.secretName = props.secretName ?? `rotor/${id}`;
    this.provider = props.provider;

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: this.secretName,
      description: `Rotor-managed ${props.provider} API key. Read "apiKey" from AWSCURRENT; never write it.`,
      encryptionKey: orchestrator.key,
      // Not a secret: a marker the bootstrap rotation replaces with the first real key.
      secretStringValue: SecretValue.unsafePlainText(placeholderValue(props.provider)),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const [key, value] of Object.entries(managedKeyTags(props, props.adminSecret.secretName))) {
      CdkTags.of(this.secret).add(key, value);
    }
    this.secret.addToResourcePolicy(denyWithoutTls());
    for (const arn of props.readerArns ?? []) {
      this.secret.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ArnPrincipal(arn)],
          actions: READ_ACTIONS,
          resources: ['*'],
        }),
      );
    }
    orchestrator.useAdminSecret(props.adminSecret);

    // The L1 schedule: the L2 RotationSchedule has no cron or window, and it would
    // also add one policy statement per secret to the function's role.
    this.schedule = new secretsmanager.CfnRotationSchedule(this, 'Schedule', {
      secretId: this.secret.secretArn,
      // The unqualified ARN: a version or alias would change with every code
      // deploy, updating every schedule and so rotating every key on each deploy.
      rotationLambdaArn: orchestrator.rotationFunction.functionArn,
      rotationRules: { scheduleExpression: resolved.scheduleExpression, duration: resolved.duration },
      // Rotate when the schedule is created: that mints the first key. Updates
      // happen only when this key's own schedule is edited, never on unrelated deploys.
      rotateImmediatelyOnUpdate: true,
    });
    // Secrets Manager invokes the function as soon as the schedule exists: the
    // permission and the function's access must be in place first (aws-cdk #26481).
    if (Stack.of(this) === Stack.of(orchestrator)) {
      this.schedule.addResourceDependency(orchestrator.rotationInvokePermission);
      this.schedule.addResourceDependency(
        orchestrator.rotationAccessPolicy.node.defaultChild as iam.CfnPolicy,
      );
    } else {
      Stack.of(this).addStackDependency(
        Stack.of(orchestrator),
        'managed keys rotate on the core stack function',
      );
    }
  }

  /**
   * Lets a consumer in this app read the key (GetSecretValue, DescribeSecret).
   * Decryption through Secrets Manager is allowed by the CMK's policy, so no key
   * grant is needed. A principal known only by ARN goes in `readerArns`.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: READ_ACTIONS,
      resourceArns: [this.secret.secretArn],
      resource: this.secret,
    });
  }
}
