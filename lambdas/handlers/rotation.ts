import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { SecretsManagerStore } from '../adapters/secrets-manager-store';
import { endpointOverrides, requireEnv } from '../config/environment';
import { systemClock } from '../domain/ports';
import { providers } from '../providers';
import { createRotationHandler } from './rotation-handler';

// Clients are created once per container. Each honours AWS_ENDPOINT_URL, so the
// same bundle runs against a local AWS emulator.
const logger = new Logger({ serviceName: 'rotor-rotation' });
const metrics = new Metrics({ namespace: 'Rotor', serviceName: 'rotor-rotation' });

const rotate = createRotationHandler(
  {
    store: new SecretsManagerStore(new SecretsManagerClient({})),
    events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(process.env, 'EVENT_BUS_NAME')),
    providers: { registry: providers, endpointOverride: endpointOverrides(process.env) },
    clock: systemClock,
    log: logger,
  },
  metrics,
);

/** Secrets Manager's rotation function. The event is never logged: Powertools' logEvent stays off. */
export const handler = middy(rotate).use(injectLambdaContext(logger)).use(logMetrics(metrics));
