import type { OwnedKey, ProviderAdapter, ProviderConnection } from '../../providers/provider';
import type { AssistedRotation } from '../assisted-mode';
import { type AuditDetail, type AuditEvent, errorSummary } from '../audit-events';
import { type ManagedSecretPolicy, providerKeyPrefix, Stage } from '../managed-secret';
import type { Clock, EventPublisher, Log, SecretDescription, SecretStore, SecretVersion } from '../ports';
import { type ProviderAccess, providerContext, readAdminCredential } from '../provider-access';
import type { RotationDeps } from '../rotation';
import { ConcurrencyLimit, RateLimiter } from './limits';
import { emptyReport, type SweepReport } from './report';
import type { EnforcerSettings } from './settings';

/** The ports the enforcer works through. */
export interface EnforcerDeps {
  readonly store: SecretStore;
  readonly events: EventPublisher;
  readonly providers: ProviderAccess;
  readonly clock: Clock;
  readonly log?: Log;
}

/** A managed secret whose configuration is valid: the listing entry, its policy and its adapter. */
export interface ManagedSecret {
  readonly description: SecretDescription;
  readonly policy: ManagedSecretPolicy;
  readonly adapter: ProviderAdapter;
  /**
   * Set when an operator rotates the secret (docs/providers/assisted.md):
   * Rotor never calls the provider for it, and reminders replace revocation.
   */
  readonly assisted?: AssistedRotation;
}

/** PutEvents takes at most 10 entries a request. */
const EVENTS_PER_REQUEST = 10;

/**
 * Everything one invocation of the sweep shares across secrets: the write
 * limiter, per-provider concurrency limits, admin credentials and provider
 * key listings read once per invocation, the audit-event batcher and the
 * report.
 */
export class SweepContext {
  readonly report: SweepReport = emptyReport();
  private readonly writes: RateLimiter;
  private readonly providerLimits = new Map<string, ConcurrencyLimit>();
  private readonly adminReads = new Map<string, Promise<SecretVersion>>();
  private readonly keyListings = new Map<string, Promise<OwnKeyIndex>>();
  private readonly pendingEvents: AuditEvent[] = [];
  private readonly publishing = new Set<Promise<void>>();
  private readonly adminStore: SecretStore;

  constructor(
    readonly deps: EnforcerDeps,
    readonly settings: EnforcerSettings,
    readonly sweepId: string,
  ) {
    this.writes = new RateLimiter(settings.writesPerSecond, deps.clock);
    // Reads of admin credentials go through a cache: one GetSecretValue per admin secret per invocation.
    this.adminStore = new Proxy(deps.store, {
      get: (target, property, receiver) =>
        property === 'getValue'
          ? (secretId: string) => this.readAdmin(secretId)
          : Reflect.get(target, property, receiver),
    });
  }

  get now(): Date {
    return this.deps.clock.now();
  }

  /** Runs a Secrets Manager write in its turn under the write quota. */
  write<T>(call: (store: SecretStore) => Promise<T>): Promise<T> {
    return this.writes.run(() => call(this.deps.store));
  }

  /**
   * The sweep's ports in the shape the rotation domain's use cases take
   * (remindAssisted): its writes wait their turn under the write quota and its
   * events join the sweep's PutEvents batches.
   */
  rotationDeps(): RotationDeps {
    const paced =
      <A extends unknown[], R>(call: (store: SecretStore, ...args: A) => Promise<R>) =>
      (...args: A) =>
        this.write((store) => call(store, ...args));
    const store: SecretStore = {
      describe: (secretId) => this.deps.store.describe(secretId),
      getValue: (secretId, selector) => this.deps.store.getValue(secretId, selector),
      listManaged: (options) => this.deps.store.listManaged(options),
      findByTagValue: (tagValue) => this.deps.store.findByTagValue(tagValue),
      putPendingValue: paced((target, ...args) => target.putPendingValue(...args)),
      updateStage: paced((target, ...args) => target.updateStage(...args)),
      tag: paced((target, ...args) => target.tag(...args)),
      rotate: paced((target, ...args) => target.rotate(...args)),
    };
    return {
      store,
      events: { publish: async (events) => this.enqueue(events) },
      providers: this.deps.providers,
      clock: this.deps.clock,
      ...(this.deps.log ? { log: this.deps.log } : {}),
    };
  }

  /** Runs a provider call within that provider's concurrency limit. */
  provider<T>(providerId: string, call: () => Promise<T>): Promise<T> {
    let limit = this.providerLimits.get(providerId);
    if (!limit) {
      limit = new ConcurrencyLimit(this.settings.providerConcurrency);
      this.providerLimits.set(providerId, limit);
    }
    return limit.run(call);
  }

  /**
   * Opens a connection to the secret's provider account. Throws
   * AdminCredentialError / ManagedSecretConfigError naming what is wrong.
   */
  async connect(secret: ManagedSecret): Promise<ProviderConnection> {
    const { name } = secret.description;
    const adminCredential = await readAdminCredential(this.adminStore, name, secret.policy.adminSecretId);
    return secret.adapter.connect({
      ...providerContext(this.deps.providers, name, secret.policy),
      adminCredential,
    });
  }

  /**
   * Every live key under Rotor's `rotor-` prefix in the secret's provider
   * account, listed once per account per invocation. An account is the
   * provider, the admin credential and the settings (which may select a
   * region or a subuser).
   */
  ownKeys(secret: ManagedSecret): Promise<OwnKeyIndex> {
    const { policy } = secret;
    const account = JSON.stringify([policy.provider, policy.adminSecretId, sortedEntries(policy.settings)]);
    let listing = this.keyListings.get(account);
    if (!listing) {
      listing = this.connect(secret)
        .then((connection) => this.provider(policy.provider, () => connection.listOwnKeys(ROTOR_KEY_PREFIX)))
        .then((keys) => new OwnKeyIndex(keys));
      this.keyListings.set(account, listing);
    }
    return listing;
  }

  /** Queues an audit event about a secret; events go out ten to a PutEvents request. */
  emit(
    secret: Pick<SecretDescription, 'arn' | 'name' | 'tags'>,
    provider: string | undefined,
    detailType: string,
    detail: Partial<AuditDetail>,
  ): void {
    this.pendingEvents.push({
      detailType,
      detail: {
        secretId: secret.arn,
        secretName: secret.name,
        provider: provider ?? secret.tags['rotor:provider'] ?? 'unknown',
        trigger: 'policy',
        occurredAt: this.now.toISOString(),
        correlationId: this.sweepId,
        ...detail,
      },
    });
    if (this.pendingEvents.length >= EVENTS_PER_REQUEST) this.publish();
  }

  /**
   * Queues events built elsewhere (the assisted flow) into the sweep's
   * batches. They carry the sweep id as correlation id unless they have one.
   */
  enqueue(events: readonly AuditEvent[]): void {
    for (const event of events) {
      this.pendingEvents.push({
        ...event,
        detail: { ...event.detail, correlationId: event.detail.correlationId ?? this.sweepId },
      });
      if (this.pendingEvents.length >= EVENTS_PER_REQUEST) this.publish();
    }
  }

  /** Records a rule that failed for one secret; the sweep goes on. */
  recordFailure(secret: Pick<SecretDescription, 'arn' | 'name'>, rule: string, error: unknown): void {
    this.report.failures++;
    this.deps.log?.error('Enforcer rule failed', {
      secretId: secret.arn,
      secretName: secret.name,
      rule,
      sweepId: this.sweepId,
      error: errorSummary(error),
    });
  }

  /** Sends every queued event and waits for every request in flight. */
  async flush(): Promise<void> {
    while (this.pendingEvents.length > 0) this.publish();
    while (this.publishing.size > 0) await Promise.allSettled([...this.publishing]);
  }

  private publish(): void {
    const batch = this.pendingEvents.splice(0, EVENTS_PER_REQUEST);
    const sending: Promise<void> = this.deps.events
      .publish(batch)
      .catch((error: unknown) => {
        this.report.eventsLost += batch.length;
        this.deps.log?.error('Could not publish enforcer audit events', {
          sweepId: this.sweepId,
          count: batch.length,
          error: errorSummary(error),
        });
      })
      .finally(() => this.publishing.delete(sending));
    this.publishing.add(sending);
  }

  private readAdmin(secretId: string): Promise<SecretVersion> {
    let read = this.adminReads.get(secretId);
    if (!read) {
      read = this.deps.store.getValue(secretId, { stage: Stage.current });
      // A failed read is cached too: every secret sharing the credential gets the same violation.
      read.catch(() => undefined);
      this.adminReads.set(secretId, read);
    }
    return read;
  }
}

/** Every key Rotor mints is named `rotor-<secret>-<token suffix>` (managed-secret.ts). */
const ROTOR_KEY_PREFIX = 'rotor-';

/**
 * A provider account's Rotor keys, by the secret they were minted for. A
 * key's name is its secret's prefix (providerKeyPrefix) plus a suffix of
 * letters and digits, so the owner is the name up to its last dash: no key
 * is attributed to a secret whose name merely starts the same way.
 */
export class OwnKeyIndex {
  private readonly byPrefix = new Map<string, OwnedKey[]>();

  constructor(keys: readonly OwnedKey[]) {
    for (const key of keys) {
      const cut = key.name.lastIndexOf('-') + 1;
      if (cut === 0 || !/^[A-Za-z0-9]+$/.test(key.name.slice(cut))) continue;
      const prefix = key.name.slice(0, cut);
      const list = this.byPrefix.get(prefix) ?? [];
      list.push(key);
      this.byPrefix.set(prefix, list);
    }
  }

  /** Keys minted for the secret with this name. */
  forSecret(secretName: string): readonly OwnedKey[] {
    return this.byPrefix.get(providerKeyPrefix(secretName)) ?? [];
  }
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}
