import { RotorError } from '../lambdas/domain/errors';
import { endpointVariable } from '../lambdas/providers/endpoint';
import type { LambdaHandler } from './emulator/lambda';

/** Names local mode deploys its functions and resources under. */
export const LocalNames = {
  rotationFunction: 'rotor-rotation',
  enforcerFunction: 'rotor-enforcer',
  leakFunction: 'rotor-leak',
  eventBus: 'rotor-audit',
  /** The rotor CLI's default audit log group, so `rotor audit` works without flags. */
  auditLogGroup: '/rotor/audit',
  deliveryLogGroup: '/rotor/leak-deliveries',
  webhookSecret: 'rotor/leak-webhook-signing',
} as const;

/** Fake credentials and Region: the emulator accepts SigV4 without checking it. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;

export interface FunctionEnvironment {
  /** The emulator's endpoint (AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  /** ROTOR_ENDPOINT_<PROVIDER> values, by provider id: the local provider servers. */
  readonly providerEndpoints: Readonly<Record<string, string>>;
  /** Powertools log level of the functions (WARN keeps the scenario readable). */
  readonly logLevel: string;
  /** Whether the functions print their CloudWatch metrics (EMF) to stdout. */
  readonly metrics: boolean;
}

/** The real handler modules, loaded once per process. */
export interface RotorFunctions {
  readonly rotation: LambdaHandler;
  readonly enforcer: LambdaHandler;
  readonly leak: LambdaHandler;
}

/** A second local Rotor in one process would need the handlers' environment read again. */
export class LocalModeError extends RotorError {}

let loaded: { endpoint: string; functions: Promise<RotorFunctions> } | undefined;

/**
 * Sets the environment a deployment gives the three functions, then imports
 * the real handler modules, which read it once at import, as on a Lambda cold
 * start. A module is imported once per process, so every local Rotor in one
 * process must use the same emulator endpoint.
 */
export function loadRotorFunctions(environment: FunctionEnvironment): Promise<RotorFunctions> {
  if (loaded) {
    if (loaded.endpoint !== environment.endpoint) {
      throw new LocalModeError(
        `The handler modules are already bound to ${loaded.endpoint}; one local Rotor per process`,
      );
    }
    return loaded.functions;
  }
  Object.assign(process.env, functionEnvironment(environment));
  loaded = { endpoint: environment.endpoint, functions: importHandlers() };
  return loaded.functions;
}

/** The variables the stack sets on the functions, pointed at the emulator and the local providers. */
export function functionEnvironment(environment: FunctionEnvironment): Record<string, string> {
  const variables: Record<string, string> = {
    ...LOCAL_AWS_ENV,
    AWS_ENDPOINT_URL: environment.endpoint,
    // Never reach for instance metadata: there is no instance, and no network to try.
    AWS_EC2_METADATA_DISABLED: 'true',
    EVENT_BUS_NAME: LocalNames.eventBus,
    AUDIT_LOG_GROUP: LocalNames.auditLogGroup,
    DELIVERY_LOG_GROUP: LocalNames.deliveryLogGroup,
    WEBHOOK_SECRET_ID: LocalNames.webhookSecret,
    POWERTOOLS_LOG_LEVEL: environment.logLevel,
    POWERTOOLS_METRICS_NAMESPACE: 'Rotor',
  };
  if (!environment.metrics) variables.POWERTOOLS_METRICS_DISABLED = 'true';
  for (const [provider, url] of Object.entries(environment.providerEndpoints)) {
    variables[endpointVariable(provider)] = url;
  }
  return variables;
}

async function importHandlers(): Promise<RotorFunctions> {
  // Each module reads AWS_LAMBDA_FUNCTION_NAME (the enforcer hands sweeps on to itself) at import.
  process.env.AWS_LAMBDA_FUNCTION_NAME = LocalNames.rotationFunction;
  const rotation = await import('../lambdas/handlers/rotation');
  process.env.AWS_LAMBDA_FUNCTION_NAME = LocalNames.enforcerFunction;
  const enforcer = await import('../lambdas/handlers/enforcer');
  process.env.AWS_LAMBDA_FUNCTION_NAME = LocalNames.leakFunction;
  const leak = await import('../lambdas/handlers/leak');
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  return {
    rotation: rotation.handler as unknown as LambdaHandler,
    enforcer: enforcer.handler as unknown as LambdaHandler,
    leak: leak.handler as unknown as LambdaHandler,
  };
}
