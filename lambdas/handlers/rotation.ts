import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { awsRotationDeps } from '../config/aws-deps';
import { createRotationHandler } from './rotation-handler';

// Clients are created once per container. Each honours AWS_ENDPOINT_URL, so the
// same bundle runs against a local AWS emulator.
const logger = new Logger({ serviceName: 'rotor-rotation' });
const metrics = new Metrics({ namespace: 'Rotor', serviceName: 'rotor-rotation' });

const rotate = createRotationHandler(awsRotationDeps(logger), metrics);

/** Secrets Manager's rotation function. The event is never logged: Powertools' logEvent stays off. */
export const handler = middy(rotate).use(injectLambdaContext(logger)).use(logMetrics(metrics));
