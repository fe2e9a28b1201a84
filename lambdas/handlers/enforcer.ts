import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { LambdaSweepInvoker } from '../adapters/lambda-sweep-invoker';
import { SecretsManagerStore } from '../adapters/secrets-manager-store';
import { endpointOverrides, requireEnv } from '../config/environment';
import { enforcerSettingsFromEnv } from '../domain/enforcer/settings';
import { systemClock } from '../domain/ports';
import { providers } from '../providers';
import { createEnforcerHandler } from './enforcer-handler';

// Clients and settings are built once per container; a bad setting fails at cold start.
const logger = new Logger({ serviceName: 'rotor-enforcer' });
const metrics = new Metrics({ namespace: 'Rotor', serviceName: 'rotor-enforcer' });

const sweep = createEnforcerHandler(
  {
    store: new SecretsManagerStore(new SecretsManagerClient({})),
    events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(process.env, 'EVENT_BUS_NAME')),
    providers: { registry: providers, endpointOverride: endpointOverrides(process.env) },
    clock: systemClock,
    log: logger,
  },
  enforcerSettingsFromEnv(process.env),
  // The continuation invokes this very function; Lambda sets its name in the environment.
  new LambdaSweepInvoker(new LambdaClient({}), requireEnv(process.env, 'AWS_LAMBDA_FUNCTION_NAME')),
  metrics,
);

/** The scheduled expiration-policy sweep. The event is never logged: it may carry a ListSecrets token only. */
export const handler = middy(sweep).use(injectLambdaContext(logger)).use(logMetrics(metrics));
