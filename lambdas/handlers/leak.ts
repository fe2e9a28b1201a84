import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CloudWatchDeliveryLedger } from '../adapters/cloudwatch-delivery-ledger';
import { CloudWatchFingerprintIndex } from '../adapters/cloudwatch-fingerprint-index';
import { awsRotationDeps } from '../config/aws-deps';
import { requireEnv } from '../config/environment';
import { Durations, parseDuration } from '../domain/duration';
import { cachedSigningSecret, handleLeakWebhook, type WebhookRequest } from '../domain/leak-webhook';
import { systemClock } from '../domain/ports';

// Clients once per container; the body is key material, so nothing here logs the event.
const logger = new Logger({ serviceName: 'rotor-leak' });
const { store, events, providers } = awsRotationDeps(logger);
const logs = new CloudWatchLogsClient({});
const searchWindow = parseDuration(process.env.LEAK_SEARCH_WINDOW ?? '') ?? 120 * Durations.DAY;

const deps = {
  store,
  events,
  providers,
  fingerprints: new CloudWatchFingerprintIndex(
    logs,
    requireEnv(process.env, 'AUDIT_LOG_GROUP'),
    searchWindow,
    systemClock,
  ),
  ledger: new CloudWatchDeliveryLedger(logs, requireEnv(process.env, 'DELIVERY_LOG_GROUP')),
  signingSecret: cachedSigningSecret(store, requireEnv(process.env, 'WEBHOOK_SECRET_ID'), systemClock),
  clock: systemClock,
  uuid: randomUUID,
  log: logger,
};

/** A Function URL request as the webhook sees it: headers and the raw body, decoded if base64. */
export function toWebhookRequest(event: APIGatewayProxyEventV2): WebhookRequest {
  const raw = event.body ?? '';
  return {
    headers: event.headers ?? {},
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw,
  };
}

async function leak(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const response = await handleLeakWebhook(deps, toWebhookRequest(event));
  return { ...response, headers: { 'content-type': 'application/json' } };
}

/** The leak webhook behind a Function URL (auth NONE: every request is HMAC-verified in code). */
export const handler = middy(leak).use(injectLambdaContext(logger));
