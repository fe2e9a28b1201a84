import type { ProviderRegistry } from '../providers';
import type { ProviderAdapter, ProviderConnection, ProviderContext } from '../providers/provider';
import { AdminCredentialError } from './errors';
import type { ManagedSecretPolicy } from './managed-secret';
import { Stage } from './managed-secret';
import type { SecretStore } from './ports';
import { SecretNotFoundError, StoreAccessDeniedError } from './store-errors';

/** What the domain needs to reach a provider: the adapters and the deployment's endpoint overrides. */
export interface ProviderAccess {
  readonly registry: ProviderRegistry;
  /** ROTOR_ENDPOINT_<PROVIDER> for a provider id, if the deployment set one. */
  readonly endpointOverride: (provider: string) => string | undefined;
}

export function providerContext(
  access: ProviderAccess,
  secretName: string,
  policy: ManagedSecretPolicy,
): ProviderContext {
  return {
    settings: policy.settings,
    endpointOverride: access.endpointOverride(policy.provider),
    secretName,
  };
}

/**
 * Reads the admin credential a secret's `rotor:admin-secret` tag names; errors say which secret and why.
 * Only a missing, empty or forbidden credential is an AdminCredentialError. Throttling, timeouts and
 * service errors pass on as they are: they are transient, and an AdminCredentialError would make the
 * rotation give up and the enforcer report a configuration problem that does not exist.
 */
export async function readAdminCredential(
  store: SecretStore,
  secretName: string,
  adminSecretId: string,
): Promise<string> {
  try {
    const version = await store.getValue(adminSecretId, { stage: Stage.current });
    if (!version.secretString?.trim()) {
      throw new AdminCredentialError(`Admin credential ${adminSecretId} for ${secretName} is empty`);
    }
    return version.secretString;
  } catch (error) {
    if (error instanceof AdminCredentialError) throw error;
    if (!(error instanceof SecretNotFoundError || error instanceof StoreAccessDeniedError)) throw error;
    const problem = error instanceof SecretNotFoundError ? 'does not exist' : 'could not be read';
    throw new AdminCredentialError(`Admin credential ${adminSecretId} for ${secretName} ${problem}`, {
      cause: error,
    });
  }
}

/** Reads the admin credential and opens a connection to the provider with it. */
export async function connectProvider(
  store: SecretStore,
  access: ProviderAccess,
  adapter: ProviderAdapter,
  secretName: string,
  policy: ManagedSecretPolicy,
): Promise<ProviderConnection> {
  const adminCredential = await readAdminCredential(store, secretName, policy.adminSecretId);
  return adapter.connect({ ...providerContext(access, secretName, policy), adminCredential });
}
