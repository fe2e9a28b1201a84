import { type App, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { parseDuration } from '../lambdas/domain/duration';
import type { RotorConfig } from './config';
import { ExpirationEnforcer, type ExpirationEnforcerProps } from './enforcer';
import { LeakEndpoint, type LeakEndpointProps } from './leak-endpoint';
import type { ManagedKey } from './managed-key';
import { type AdminSecret, RotorOrchestrator, type RotorOrchestratorProps } from './orchestrator';

/** CloudFormation's limit on resources in one stack. */
export const CLOUDFORMATION_RESOURCE_LIMIT = 500;

/** What one managed key costs: its secret, the secret's resource policy, its rotation schedule. */
export const RESOURCES_PER_KEY = 3;

/**
 * Managed keys per stack. 100 keys are 300 resources; with the core stack's
 * own (CORE_RESOURCE_BUDGET) a full core stack stays under 400 of the 500, and
 * every key stack has a wide margin. Tested in test/infra/stack-split.test.ts
 * against the synthesized counts.
 */
export const KEYS_PER_STACK = 100;

/**
 * What the core stack may spend on its own resources (orchestrator, enforcer,
 * leak endpoint, assisted function): 53 when measured, with room for more.
 */
export const CORE_RESOURCE_BUDGET = 100;

/** The enforcer's schedule and thresholds; the orchestrator supplies its bus, topic, key and endpoints. */
export type RotorEnforcerOptions = Omit<
  ExpirationEnforcerProps,
  'eventBus' | 'alertTopic' | 'secretsKey' | 'adminSecrets' | 'endpointOverrides'
>;

/** The leak endpoint's options; the orchestrator supplies the rest. */
export interface RotorLeakEndpointOptions extends Pick<LeakEndpointProps, 'searchWindow' | 'logRetention'> {
  /**
   * Deploy the leak webhook (a public Function URL, HMAC-verified in code).
   * @default true
   */
  readonly enabled?: boolean;
}

export interface RotorStackProps extends StackProps {
  readonly rotor?: RotorOrchestratorProps;
  /** @default hourly sweep, the enforcer's default thresholds */
  readonly enforcer?: RotorEnforcerOptions;
  /** @default enabled, with the endpoint's defaults */
  readonly leakEndpoint?: RotorLeakEndpointOptions;
}

/**
 * The stack holding the orchestrator, the expiration-policy enforcer, the leak
 * endpoint (and the first KEYS_PER_STACK keys). Its outputs name what
 * operators and their tools need: bus, audit log group, alert topic, operator
 * role, leak webhook and its secret, assisted function.
 */
export class RotorStack extends Stack {
  readonly orchestrator: RotorOrchestrator;
  readonly enforcer: ExpirationEnforcer;
  /** Undefined when the leak endpoint is disabled. */
  readonly leakEndpoint?: LeakEndpoint;

  constructor(scope: Construct, id: string, props: RotorStackProps = {}) {
    super(scope, id, {
      description: 'Rotor: serverless API-key rotation (orchestrator and managed keys)',
      ...props,
    });
    const rotor = new RotorOrchestrator(this, 'Rotor', props.rotor);
    this.orchestrator = rotor;
    const endpointOverrides = props.rotor?.endpointOverrides ?? {};

    this.enforcer = new ExpirationEnforcer(this, 'Enforcer', {
      ...props.enforcer,
      eventBus: rotor.bus,
      alertTopic: rotor.alertTopic,
      secretsKey: rotor.key,
      endpointOverrides,
    });
    rotor.grantReadAdminSecrets(this.enforcer.function);
    rotor.grantStartRotation(this.enforcer.function);

    const { enabled = true, ...leakOptions } = props.leakEndpoint ?? {};
    if (enabled) {
      this.leakEndpoint = new LeakEndpoint(this, 'LeakEndpoint', {
        ...leakOptions,
        eventBus: rotor.bus,
        alertTopic: rotor.alertTopic,
        encryptionKey: rotor.key,
        auditLogGroupName: rotor.names.auditLogGroup,
        providerEndpoints: endpointOverrides,
        // The orchestrator grants the admin secrets by ARN, as they are declared.
        grantAdminSecretsByPrefix: false,
      });
      rotor.grantReadAdminSecrets(this.leakEndpoint.function);
      rotor.grantStartRotation(this.leakEndpoint.function);
    }
    this.addOutputs();
  }

  private addOutputs(): void {
    const rotor = this.orchestrator;
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('AuditBusName', rotor.bus.eventBusName, "Rotor's audit event bus (the CLI's ROTOR_EVENT_BUS)");
    output(
      'AuditLogGroupName',
      rotor.names.auditLogGroup,
      "Every audit event, for Logs Insights (the CLI's ROTOR_AUDIT_LOG_GROUP)",
    );
    output(
      'AlertTopicArn',
      rotor.alertTopic.topicArn,
      'Failures, policy violations, leaks, assisted requests',
    );
    output(
      'OperatorRoleArn',
      rotor.operatorRole.roleArn,
      'Assume with MFA to rotate, supply and inspect keys',
    );
    output(
      'AssistedFunctionName',
      rotor.assistedFunction.functionName,
      "Assisted rotation's supply and confirm-revoked (the CLI's ROTOR_ASSISTED_FUNCTION)",
    );
    if (this.leakEndpoint) {
      output(
        'LeakWebhookUrl',
        this.leakEndpoint.url.url,
        'Payload URL for GitHub secret scanning and other scanners',
      );
      output(
        'LeakWebhookSecretArn',
        this.leakEndpoint.webhookSecret.secretArn,
        'The webhook HMAC secret to give the scanners',
      );
    }
  }
}

/** A stack of further managed keys, past the core stack's share. */
export class RotorKeysStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { description: 'Rotor: managed keys', ...props });
  }
}

/** The stacks a config produced. */
export interface RotorApp {
  readonly core: RotorStack;
  /** Key stacks past the core stack, in order (`<stackName>Keys2`, `…Keys3`). */
  readonly keyStacks: readonly RotorKeysStack[];
  /** Every managed key by its config id. */
  readonly keys: ReadonlyMap<string, ManagedKey>;
}

/** The index of the stack a key goes to: 0 is the core stack. */
export function stackIndexOf(keyIndex: number): number {
  return Math.floor(keyIndex / KEYS_PER_STACK);
}

/**
 * Builds Rotor's stacks from a validated config. Keys go to stacks in
 * declaration order, KEYS_PER_STACK per stack: appending keys never moves an
 * existing key to another stack (which CloudFormation could only do by
 * deleting and recreating its secret).
 */
export function buildRotorApp(app: App, config: RotorConfig): RotorApp {
  const env = config.env ? { account: config.env.account, region: config.env.region } : undefined;
  const { orchestrator: options, enforcer, leakEndpoint } = config;
  const core = new RotorStack(app, config.stackName, {
    env,
    rotor: {
      archiveRetention: Duration.days(options.archiveRetentionDays),
      auditLogRetention: options.auditLogRetentionDays as RetentionDays,
      functionLogRetention: options.functionLogRetentionDays as RetentionDays,
      alertEmails: options.alertEmails,
      endpointOverrides: options.endpointOverrides,
    },
    enforcer: {
      schedule: durationOf(enforcer.schedule),
      stuckRotationAfter: durationOf(enforcer.stuckRotationAfter),
      orphanDelay: durationOf(enforcer.orphanDelay),
      writesPerSecond: enforcer.writesPerSecond,
      providerConcurrency: enforcer.providerConcurrency,
    },
    leakEndpoint: {
      enabled: leakEndpoint.enabled,
      searchWindow: durationOf(leakEndpoint.searchWindow),
    },
  });
  const rotor = core.orchestrator;
  for (const [name, admin] of Object.entries(config.adminSecrets)) {
    rotor.addAdminSecret(name, { existing: admin.existing });
  }

  const keyStacks: RotorKeysStack[] = [];
  const keys = new Map<string, ManagedKey>();
  Object.entries(config.keys).forEach(([id, key], index) => {
    const stackIndex = stackIndexOf(index);
    if (stackIndex > keyStacks.length) {
      keyStacks.push(new RotorKeysStack(app, `${config.stackName}Keys${stackIndex + 1}`, { env }));
    }
    const scope: Stack = stackIndex === 0 ? core : (keyStacks[stackIndex - 1] as RotorKeysStack);
    const { adminSecret, readers, ...spec } = key;
    // The schema checked that every key's admin secret is declared.
    const admin = rotor.adminSecret(adminSecret) as AdminSecret;
    keys.set(id, rotor.manageKey(scope, id, { ...spec, adminSecret: admin, readerArns: readers }));
  });
  return { core, keyStacks, keys };
}

/** An ISO-8601 duration the schema has already checked, as a CDK Duration. */
function durationOf(iso: string): Duration {
  return Duration.millis(parseDuration(iso) as number);
}
