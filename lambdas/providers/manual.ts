import { AssistedRotationRequiredError } from '../domain/errors';
import type { ProviderAdapter, ProviderConnection } from './provider';

/**
 * Keys of any provider without a key API (PagerDuty, Postmark, GitHub App
 * private keys, …): assisted rotation only (docs/providers/assisted.md).
 *
 * - Admin credential: none (`rotor:admin-secret` is not needed).
 * - Settings: `rotor:instructions` (optional: the steps an operator follows at
 *   the provider, replacing the generic ones below), `rotor:remind-every`.
 * - Consumers read `apiKey`. Rotor cannot call the provider, so a supplied key
 *   is stored unverified and the operator is asked to check it first.
 */
const GUIDE = {
  createSteps:
    "Create a new key in the provider's console with the same permissions as the current one, " +
    'then supply it through the Rotor CLI. Do not revoke the current key yet.',
  revokeSteps:
    "Revoke the old key (the key id or fingerprint in this event) in the provider's console, " +
    'then confirm the revocation through the Rotor CLI.',
  verifiable: false,
} as const;

export const manual: ProviderAdapter = {
  id: 'manual',
  displayName: 'Manual',
  mode: 'assisted',
  // Nothing to wait for: Rotor makes no call to the provider.
  propagation: { attempts: 1, delayMs: 0 },
  assisted: GUIDE,
  async verify() {
    throw new AssistedRotationRequiredError('Manual keys cannot be verified by Rotor: there is no read call');
  },
  connect: () => manualConnection,
};

const refuse = (operation: string) =>
  Promise.reject(
    new AssistedRotationRequiredError(`Rotor cannot ${operation} a manual key: an operator does it`),
  );

const manualConnection: ProviderConnection = {
  create: () => refuse('create'),
  revoke: () => refuse('revoke'),
  // Rotor mints no manual keys, so it owns none that could be orphaned.
  listOwnKeys: async () => [],
};
