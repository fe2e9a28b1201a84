import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { awsRotationDeps } from '../config/aws-deps';
import { createAssistedHandler } from './assisted-handler';

// Clients once per container. The event carries an operator's key: nothing here logs it.
const logger = new Logger({ serviceName: 'rotor-assisted' });
const metrics = new Metrics({ namespace: 'Rotor', serviceName: 'rotor-assisted' });

const assisted = createAssistedHandler(awsRotationDeps(logger), metrics);

/** Assisted rotation's supply and confirm-revoked, invoked by `rotor` under the operator role (MFA). */
export const handler = middy(assisted).use(injectLambdaContext(logger)).use(logMetrics(metrics));
