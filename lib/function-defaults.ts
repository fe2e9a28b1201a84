import * as path from 'node:path';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { endpointVariable } from '../lambdas/providers/endpoint';

/** The Node.js runtime Rotor's functions run on: the newest aws-cdk-lib knows (cdk-nag L1). */
export const ROTOR_RUNTIME = lambda.Runtime.NODEJS_26_X;

/**
 * How every Rotor function is bundled: locally with esbuild (no Docker),
 * minified, no source maps (they would ship the sources), and the AWS SDK
 * clients bundled in so their version is the one the tests ran against.
 */
export const ROTOR_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: false,
  externalModules: [],
  forceDockerBundling: false,
};

export interface RotorFunctionOptions {
  /** Construct ids of the function, its role and its log group (kept stable: they name the resources). */
  readonly ids: { readonly function: string; readonly role: string; readonly logs: string };
  /** The handler file under lambdas/handlers/, exporting `handler`. */
  readonly handlerFile: string;
  readonly description: string;
  readonly roleDescription: string;
  /** POWERTOOLS_SERVICE_NAME. */
  readonly serviceName: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** ROTOR_ENDPOINT_<PROVIDER> by provider id: test servers and proxies only. */
  readonly endpointOverrides?: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Why the role's `Resource::*` statements are needed, for cdk-nag.
   * @default X-Ray's actions, which support no resource-level permissions
   */
  readonly wildcardReason?: string;
  /** Memory, timeout, name, retries, concurrency: what differs between Rotor's functions. */
  readonly tuning?: Partial<
    Pick<
      nodejs.NodejsFunctionProps,
      | 'memorySize'
      | 'timeout'
      | 'functionName'
      | 'retryAttempts'
      | 'onFailure'
      | 'reservedConcurrentExecutions'
    >
  >;
}

/**
 * A Rotor function as every one of them is built: its own log group and its
 * own role that writes only there (not the AWS managed
 * AWSLambdaBasicExecutionRole), arm64, the newest runtime, active tracing,
 * local esbuild bundling, and the environment Powertools and the provider
 * adapters read.
 */
export function createRotorFunction(
  scope: Construct,
  options: RotorFunctionOptions,
): { readonly fn: nodejs.NodejsFunction; readonly role: iam.Role; readonly logGroup: logs.LogGroup } {
  const logGroup = new logs.LogGroup(scope, options.ids.logs, {
    retention: options.logRetention,
    removalPolicy: options.logRemovalPolicy ?? RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, options.ids.role, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: options.roleDescription,
  });
  logGroup.grantWrite(role);

  const environment: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: options.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: 'Rotor',
    ...options.environment,
  };
  for (const [provider, url] of Object.entries(options.endpointOverrides ?? {})) {
    environment[endpointVariable(provider)] = url;
  }

  const fn = new nodejs.NodejsFunction(scope, options.ids.function, {
    description: options.description,
    entry: path.join(__dirname, '..', 'lambdas', 'handlers', options.handlerFile),
    handler: 'handler',
    runtime: ROTOR_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
    role,
    environment,
    bundling: ROTOR_BUNDLING,
    ...options.tuning,
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      options.wildcardReason ??
      'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (active tracing).',
  });
  return { fn, role, logGroup };
}
