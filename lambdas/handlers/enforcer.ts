import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { LambdaClient } from '@aws-sdk/client-lambda';
import middy from '@middy/core';
import { LambdaSweepInvoker } from '../adapters/lambda-sweep-invoker';
import { awsRotationDeps } from '../config/aws-deps';
import { requireEnv } from '../config/environment';
import { enforcerSettingsFromEnv } from '../domain/enforcer/settings';
import { createEnforcerHandler } from './enforcer-handler';

// Clients and settings are built once per container; a bad setting fails at cold start.
const logger = new Logger({ serviceName: 'rotor-enforcer' });
const metrics = new Metrics({ namespace: 'Rotor', serviceName: 'rotor-enforcer' });

const sweep = createEnforcerHandler(
  awsRotationDeps(logger),
  enforcerSettingsFromEnv(process.env),
  // The continuation invokes this very function; Lambda sets its name in the environment.
  new LambdaSweepInvoker(new LambdaClient({}), requireEnv(process.env, 'AWS_LAMBDA_FUNCTION_NAME')),
  metrics,
);

/** The scheduled expiration-policy sweep. The event is never logged: it may carry a ListSecrets token only. */
export const handler = middy(sweep).use(injectLambdaContext(logger)).use(logMetrics(metrics));
