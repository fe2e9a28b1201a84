import { randomBytes } from 'node:crypto';
import {
  ProviderAuthError,
  ProviderNotFoundError,
  ProviderRateLimitError,
  ProviderUnavailableError,
} from '../../lambdas/providers/errors';
import type {
  CreateKeyRequest,
  MintedKey,
  OwnedKey,
  ProviderAdapter,
  ProviderConnection,
  StoredCredential,
} from '../../lambdas/providers/provider';

export interface FakeKey {
  readonly keyId: string;
  readonly name: string;
  readonly secret: string;
  readonly createdAt: Date;
  revokedAt?: Date;
}

export type FakeOperation = 'create' | 'verify' | 'revoke' | 'list';

/**
 * An in-memory provider that records every key's life, for domain tests.
 * `failNext` queues faults; `verifyFailures` makes new keys fail verification
 * a number of times (propagation delay).
 */
export class FakeProvider {
  readonly keys = new Map<string, FakeKey>();
  readonly calls: FakeOperation[] = [];
  private readonly faults: Array<{ operation: FakeOperation; error: Error; afterEffect?: boolean }> = [];
  verifyFailures = 0;
  private sequence = 0;

  constructor(
    readonly id = 'fake',
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The next call of `operation` fails; with afterEffect, it fails after doing its work (a timeout after success). */
  failNext(
    operation: FakeOperation,
    error: Error = new ProviderUnavailableError(this.id, operation, 503, 'injected'),
    afterEffect = false,
  ) {
    this.faults.push({ operation, error, afterEffect });
  }

  liveKeys(): FakeKey[] {
    return [...this.keys.values()].filter((key) => key.revokedAt === undefined);
  }

  isLive(keyId: string): boolean {
    const key = this.keys.get(keyId);
    return key !== undefined && key.revokedAt === undefined;
  }

  count(operation: FakeOperation): number {
    return this.calls.filter((call) => call === operation).length;
  }

  adapter(overrides: Partial<ProviderAdapter> = {}): ProviderAdapter {
    return {
      id: this.id,
      displayName: 'Fake',
      mode: 'api',
      propagation: { attempts: 3, delayMs: 1_000 },
      verify: async (credential) => this.verify(credential),
      connect: () => this.connection(),
      ...overrides,
    };
  }

  connection(): ProviderConnection {
    return {
      create: (request) => this.create(request),
      revoke: (keyId) => this.revoke(keyId),
      listOwnKeys: (prefix) => this.list(prefix),
    };
  }

  private takeFault(operation: FakeOperation) {
    const index = this.faults.findIndex((fault) => fault.operation === operation);
    if (index < 0) return undefined;
    return this.faults.splice(index, 1)[0];
  }

  private async create(request: CreateKeyRequest): Promise<MintedKey> {
    this.calls.push('create');
    const fault = this.takeFault('create');
    if (fault && !fault.afterEffect) throw fault.error;
    const keyId = `key-${++this.sequence}`;
    // Recognisable material so canary tests can look for it anywhere.
    const secret = `CANARY-${this.id}-${randomBytes(12).toString('hex')}`;
    this.keys.set(keyId, { keyId, name: request.name, secret, createdAt: this.now() });
    if (fault) throw fault.error;
    return { keyId, name: request.name, credential: { apiKey: secret } };
  }

  private async verify(credential: StoredCredential): Promise<void> {
    this.calls.push('verify');
    const fault = this.takeFault('verify');
    if (fault) throw fault.error;
    if (this.verifyFailures > 0) {
      this.verifyFailures--;
      throw new ProviderAuthError(this.id, 'verify key', 401, 'credential not accepted');
    }
    const key = [...this.keys.values()].find((candidate) => candidate.secret === credential.apiKey);
    if (!key || key.revokedAt)
      throw new ProviderAuthError(this.id, 'verify key', 401, 'credential not accepted');
  }

  private async revoke(keyId: string): Promise<'revoked' | 'already-gone'> {
    this.calls.push('revoke');
    const fault = this.takeFault('revoke');
    if (fault) throw fault.error;
    const key = this.keys.get(keyId);
    if (!key || key.revokedAt) return 'already-gone';
    key.revokedAt = this.now();
    return 'revoked';
  }

  private async list(prefix: string): Promise<readonly OwnedKey[]> {
    this.calls.push('list');
    const fault = this.takeFault('list');
    if (fault) throw fault.error;
    return this.liveKeys()
      .filter((key) => key.name.startsWith(prefix))
      .map((key) => ({ keyId: key.keyId, name: key.name, createdAt: key.createdAt }));
  }
}

export { ProviderNotFoundError, ProviderRateLimitError, ProviderUnavailableError };
