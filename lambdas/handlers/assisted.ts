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
import { createAssistedHandler } from './assisted-handler';

// Clients once per container. The event carries an operator's key: nothing here logs it.
const logger = new Logger({ serviceName: 'rotor-assisted' });
const metrics = new Metrics({ namespace: 'Rotor', serviceName: 'rotor-assisted' });

const assisted = createAssistedHandler(
  {
    store: new SecretsManagerStore(new SecretsManagerClient({})),
    events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(process.env, 'EVENT_BUS_NAME')),
    providers: { registry: providers, endpointOverride: endpointOverrides(process.env) },
    clock: systemClock,
    log: logger,
  },
  metrics,
);

/** Assisted rotation's supply and confirm-revoked, invoked by `rotor` under the operator role (MFA). */
export const handler = middy(assisted).use(injectLambdaContext(logger)).use(logMetrics(metrics));
