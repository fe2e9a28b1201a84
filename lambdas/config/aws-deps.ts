import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { SecretsManagerStore } from '../adapters/secrets-manager-store';
import { type Log, systemClock } from '../domain/ports';
import type { RotationDeps } from '../domain/rotation';
import { providers } from '../providers';
import { endpointOverrides, requireEnv } from './environment';

/**
 * What every Rotor function needs from AWS and the providers: the secret
 * store, Rotor's bus (EVENT_BUS_NAME, required at cold start), the adapters
 * with the deployment's endpoint overrides, and the clock. Called once per
 * container, at module load. The SDK clients take no endpoint option, so the
 * standard AWS_ENDPOINT_URL points them at an emulator.
 */
export function awsRotationDeps(log: Log, env: NodeJS.ProcessEnv = process.env): RotationDeps {
  return {
    store: new SecretsManagerStore(new SecretsManagerClient({})),
    events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env, 'EVENT_BUS_NAME')),
    providers: { registry: providers, endpointOverride: endpointOverrides(env) },
    clock: systemClock,
    log,
  };
}
