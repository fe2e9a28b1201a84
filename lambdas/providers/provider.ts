import type { HttpClientOptions } from './http-client';

/**
 * The contract every provider adapter implements (DESIGN §6): create, verify,
 * revoke and list-own-keys, over the provider's documented HTTP API.
 */

/** A key just minted at the provider. */
export interface MintedKey {
  /** The provider's id for the key (not secret; it goes into events). */
  readonly keyId: string;
  /** The name Rotor gave the key (`rotor-<secret>-<token>`). */
  readonly name: string;
  /**
   * The credential as consumers read it: `apiKey` plus any named parts
   * (Twilio's key SID, …). Every field here is treated as key material
   * except the ones listed in `publicFields`.
   */
  readonly credential: { readonly apiKey: string; readonly [field: string]: string };
  /** Non-secret fields to store beside the credential (account ids, site, region). */
  readonly publicFields?: Readonly<Record<string, string>>;
  /** Expiry the provider itself enforces, where it supports one. */
  readonly providerExpiresAt?: Date;
}

/** A key found at the provider when listing Rotor's own keys. */
export interface OwnedKey {
  readonly keyId: string;
  readonly name: string;
  readonly createdAt?: Date;
}

export type RevokeOutcome = 'revoked' | 'already-gone';

/** The parts of a stored credential the adapter needs to authenticate with it. */
export type StoredCredential = Readonly<Record<string, string>> & {
  readonly apiKey: string;
  readonly keyId: string;
};

export interface CreateKeyRequest {
  readonly name: string;
  /** When Rotor's policy retires the key; adapters set provider-side expiry at or after it. */
  readonly expiresAt: Date;
}

/** An open connection to one provider account, holding the admin credential. */
export interface ProviderConnection {
  create(request: CreateKeyRequest): Promise<MintedKey>;
  /**
   * Revokes a key. `credential` is the stored key when the caller has it:
   * providers whose key is its own id (Algolia) address it by value, and
   * look it up by `keyId` among the listed keys when it is not given.
   */
  revoke(keyId: string, credential?: StoredCredential): Promise<RevokeOutcome>;
  /** Keys whose name starts with the prefix (Rotor's own, for orphan cleanup and retries). */
  listOwnKeys(namePrefix: string): Promise<readonly OwnedKey[]>;
  /** Activation for providers that need a step between create and verify (most do not). */
  activate?(credential: StoredCredential): Promise<void>;
}

/** Retry timing for a provider's HTTP client; tests make waits instant and observable. */
export type HttpTuning = Pick<HttpClientOptions, 'sleep' | 'random' | 'retry'>;

/** Where and for whom a provider is reached: everything but the admin credential. */
export interface ProviderContext {
  /** Overrides of retry timing (tests only; production uses the defaults). */
  readonly http?: HttpTuning;
  /** The secret's provider settings (its `rotor:` tags without the prefix). */
  readonly settings: Readonly<Record<string, string>>;
  /** ROTOR_ENDPOINT_<PROVIDER>: the only way to reach a host other than the official ones. */
  readonly endpointOverride?: string;
  /** Name of the managed secret, for error messages. */
  readonly secretName: string;
}

export interface ConnectOptions extends ProviderContext {
  /** The admin credential's secret string. */
  readonly adminCredential: string;
}

/** How long a new key may take to authenticate, per the provider's documentation. */
export interface PropagationPolicy {
  readonly attempts: number;
  readonly delayMs: number;
}

/**
 * What an operator does by hand when Rotor cannot mint a key (assisted
 * rotation). Plain instructions: no key material, no URLs carrying credentials.
 */
export interface AssistedGuide {
  /** How to make the new key at the provider (console page, role to pick). */
  readonly createSteps: string;
  /** How to revoke the old key at the provider once its grace period is over. */
  readonly revokeSteps: string;
  /** False when the provider has no read call Rotor can make with the key alone (verify is then skipped). */
  readonly verifiable: boolean;
}

export interface ProviderAdapter {
  /** Lower-case provider id, as in the `rotor:provider` tag. */
  readonly id: string;
  readonly displayName: string;
  /** `api`: Rotor mints keys. `assisted`: an operator supplies them through the CLI. */
  readonly mode: 'api' | 'assisted';
  readonly propagation: PropagationPolicy;
  /**
   * Set for `assisted` adapters, and for `api` adapters that fall back to
   * assisted rotation when a secret names no admin credential (Stripe without
   * an installed Stripe App). See lambdas/domain/assisted-mode.ts.
   */
  readonly assisted?: AssistedGuide;
  /** True when a key needs the setSecret step (connection.activate) before it works. */
  readonly requiresActivation?: boolean;
  /**
   * One cheap authenticated read made with the key itself, no admin credential
   * needed. Resolves when the provider accepts the key; rejects with a
   * ProviderRequestError otherwise (401/403: not valid, or not valid yet).
   */
  verify(credential: StoredCredential, context: ProviderContext): Promise<void>;
  /**
   * Validates settings and the admin credential and returns a connection.
   * Throws ManagedSecretConfigError / AdminCredentialError naming what is wrong.
   */
  connect(options: ConnectOptions): ProviderConnection;
}
