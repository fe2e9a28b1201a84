import { type App, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RotorConfig } from './config';
import type { ManagedKey } from './managed-key';
import { type AdminSecret, RotorOrchestrator, type RotorOrchestratorProps } from './orchestrator';

/** CloudFormation's limit on resources in one stack. */
export const CLOUDFORMATION_RESOURCE_LIMIT = 500;

/** What one managed key costs: its secret, the secret's resource policy, its rotation schedule. */
export const RESOURCES_PER_KEY = 3;

/**
 * Managed keys per stack. 100 keys are 300 resources, which leaves the core
 * stack 200 for its own (about 30 today, plus the enforcer and the leak
 * endpoint the lead wires in) and every key stack a wide margin. Tested in
 * test/infra/stack-split.test.ts against the synthesized counts.
 */
export const KEYS_PER_STACK = 100;

/** The stack holding the orchestrator (and the first KEYS_PER_STACK keys). */
export class RotorStack extends Stack {
  readonly orchestrator: RotorOrchestrator;

  constructor(
    scope: Construct,
    id: string,
    props: StackProps & { readonly rotor?: RotorOrchestratorProps } = {},
  ) {
    super(scope, id, {
      description: 'Rotor: serverless API-key rotation (orchestrator and managed keys)',
      ...props,
    });
    this.orchestrator = new RotorOrchestrator(this, 'Rotor', props.rotor);
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
  const { orchestrator: options } = config;
  const core = new RotorStack(app, config.stackName, {
    env,
    rotor: {
      archiveRetention: Duration.days(options.archiveRetentionDays),
      auditLogRetention: options.auditLogRetentionDays as RetentionDays,
      functionLogRetention: options.functionLogRetentionDays as RetentionDays,
      alertEmails: options.alertEmails,
      endpointOverrides: options.endpointOverrides,
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
