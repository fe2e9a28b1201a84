import { AsyncLocalStorage } from 'node:async_hooks';
import { InMemoryEventPublisher } from '../../lambdas/adapters/in-memory-event-publisher';
import { InMemoryFingerprintIndex } from '../../lambdas/adapters/in-memory-fingerprint-index';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import type { AuditEvent } from '../../lambdas/domain/audit-events';
import { DEFAULT_ENFORCER_SETTINGS, type EnforcerSettings } from '../../lambdas/domain/enforcer/settings';
import { runSweep } from '../../lambdas/domain/enforcer/sweep';
import type { EnforcerDeps } from '../../lambdas/domain/enforcer/sweep-context';
import { EventPublishError } from '../../lambdas/domain/errors';
import { type LeakAction, type LeakDeps, respondToLeak } from '../../lambdas/domain/leak-response';
import { Stage } from '../../lambdas/domain/managed-secret';
import type { EventPublisher, Log, SecretStore } from '../../lambdas/domain/ports';
import { ROTATION_STEPS, type RotationDeps, runRotationStep } from '../../lambdas/domain/rotation';
import { rotationToken } from '../../lambdas/domain/rotation-token';
import { isPlaceholder, parseSecretValue, placeholderValue } from '../../lambdas/domain/secret-value';
import {
  RotationInProgressError,
  SecretStoreError,
  StoreThrottledError,
} from '../../lambdas/domain/store-errors';
import { createRegistry } from '../../lambdas/providers';
import {
  ProviderRateLimitError,
  ProviderResponseError,
  ProviderUnavailableError,
} from '../../lambdas/providers/errors';
import type { ProviderAdapter, ProviderConnection } from '../../lambdas/providers/provider';
import { FakeClock } from '../support/fake-clock';
import { FakeProvider } from '../support/fake-provider';
import { ROTATION_FUNCTION_ARN } from '../support/rotation-harness';
import type { Fault, ScheduleEvent, Trigger } from './schedule';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The policy every model secret carries, short enough that a schedule of a
 * dozen clock jumps crosses grace periods, orphan delays and max ages.
 */
export const MODEL_POLICY = {
  graceMs: 2 * HOUR,
  maxAgeMs: 24 * HOUR,
  tags: { 'rotor:grace': 'PT2H', 'rotor:max-age': 'P1D', 'rotor:expiry-warning': 'PT6H' },
} as const;

/** The enforcer as the model deploys it: hourly sweeps, stuck after 2 h, orphans after 3 h. */
export const MODEL_ENFORCER: EnforcerSettings = {
  ...DEFAULT_ENFORCER_SETTINGS,
  sweepIntervalMs: HOUR,
  stuckAfterMs: 2 * HOUR,
  orphanDelayMs: 3 * HOUR,
};

/** A Lambda invocation that died: a distinctive error no domain code can mistake for a service answer. */
export class LambdaCrash extends Error {
  override readonly name = 'LambdaCrash';
}

type Port = 'store' | 'provider' | 'events';

/** A fault that lets the call act and then fails it: the answer is lost, or garbled (provider calls only). */
type AfterEffect = 'accepted-then-timeout' | 'garbled';

interface Invocation {
  readonly label: string;
  dead: boolean;
}

/**
 * One store for every world: each AsyncLocalStorage instance stays registered
 * until disabled and slows every later promise, so a store per world would
 * make a long run slower and slower.
 */
const invocations = new AsyncLocalStorage<Invocation>();

/** What happened in one invocation that failed: kept so that invariant 5 can search it. */
export interface RecordedError {
  readonly invocation: string;
  readonly error: unknown;
}

/**
 * The real rotation and enforcer code over in-memory ports, driven event by
 * event. Every port call of an event is numbered; a fault aimed at a number
 * fails that call. A crash also fails every later call of the same Lambda
 * invocation (tracked with AsyncLocalStorage), which models a Lambda that
 * dies: the domain's catch handlers run, but nothing they try gets through.
 */
export class World {
  readonly clock = new FakeClock('2027-01-04T00:00:00Z');
  readonly provider = new FakeProvider('fake', () => this.clock.now());
  readonly bus = new InMemoryEventPublisher();
  readonly rawStore: InMemorySecretStore;
  readonly secrets: string[] = [];
  readonly secretNames: string[] = [];
  readonly logLines: string[] = [];
  readonly errors: RecordedError[] = [];
  /** Events are numbered from 1; a violation names the one after which it was seen. */
  eventNumber = 0;
  /** When the last scheduled sweep ran (sweeps run on every whole sweep interval). */
  private lastSweepAt: number;
  private readonly invocations = invocations;
  private faults: readonly Fault[] = [];
  private callIndex = 0;
  private yields: readonly number[] = [];
  private tokenSequence = 0;
  readonly rotation: RotationDeps;
  readonly enforcer: EnforcerDeps;
  readonly leakDeps: LeakDeps;
  /** Every leak report answered: the event it came in, the key reported and what the response did. */
  readonly leaks: {
    readonly event: number;
    readonly keyId: string;
    readonly outcomes: readonly LeakAction[];
  }[] = [];
  /** Events that ran without any fault armed (the leak invariant holds Rotor to them). */
  readonly faultFreeEvents = new Set<number>();

  constructor(readonly settings: EnforcerSettings = MODEL_ENFORCER) {
    this.rawStore = new InMemorySecretStore({
      clock: this.clock,
      // Secrets Manager invokes the rotation function after RotateSecret, asynchronously.
      onRotate: (arn, token) => this.invokeRotation(arn, token),
    });
    this.lastSweepAt = this.clock.now().getTime();
    const log: Log = {
      info: (message, ...attributes) => this.logLines.push(JSON.stringify([message, ...attributes])),
      warn: (message, ...attributes) => this.logLines.push(JSON.stringify([message, ...attributes])),
      error: (message, ...attributes) => this.logLines.push(JSON.stringify([message, ...attributes])),
    };
    const adapter = this.faultyAdapter(this.provider.adapter());
    const common = {
      store: this.faultyStore(this.rawStore),
      events: this.faultyBus(this.bus),
      providers: { registry: createRegistry([adapter]), endpointOverride: () => undefined },
      clock: this.clock,
      log,
    };
    this.rotation = common;
    this.enforcer = common;
    this.leakDeps = {
      ...common,
      fingerprints: new InMemoryFingerprintIndex(() => this.bus.events),
      uuid: () => this.nextToken('schedule'),
    };
    this.rawStore.createSecret({ name: 'rotor/admin/fake', secretString: 'admin-credential' });
  }

  /** Creates `count` managed secrets; all but the last get their bootstrap rotation now, without faults. */
  static async create(count: number): Promise<World> {
    const world = new World();
    for (let index = 0; index < count; index++) {
      const name = `app-${index}/fake-key`;
      world.secretNames.push(name);
      world.secrets.push(
        world.rawStore.createSecret({
          name,
          secretString: placeholderValue('fake'),
          rotationLambdaArn: ROTATION_FUNCTION_ARN,
          tags: {
            'rotor:provider': 'fake',
            'rotor:admin-secret': 'rotor/admin/fake',
            ...MODEL_POLICY.tags,
          },
        }),
      );
    }
    // The last secret is left waiting for its first key, so bootstraps happen under faults too.
    for (const arn of world.secrets.slice(0, -1)) await world.startRotation(arn, world.nextToken('schedule'));
    await world.rawStore.settle();
    return world;
  }

  /** Runs one event of a schedule with its faults; failures of the product are recorded, not thrown. */
  async run(event: ScheduleEvent): Promise<void> {
    this.eventNumber++;
    if (event.do === 'advance') return this.advance(event.minutes * MINUTE);
    this.arm(event.faults, event.do === 'together' ? event.yields : []);
    if (event.faults.length === 0) this.faultFreeEvents.add(this.eventNumber);
    try {
      if (event.do === 'together') {
        await Promise.all([this.trigger(event.first), this.trigger(event.second)]);
      } else {
        await this.trigger(event);
      }
      await this.rawStore.settle();
    } finally {
      this.arm([], []);
    }
  }

  /** Advances the clock, running the scheduled sweep at every whole interval crossed; `afterSweep` runs after each. */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now().getTime() + ms;
    const interval = this.settings.sweepIntervalMs;
    for (let at = this.lastSweepAt + interval; at <= target; at += interval) {
      this.clock.set(new Date(Math.max(at, this.clock.now().getTime())));
      this.lastSweepAt = at;
      await this.sweep('scheduled sweep');
      await this.rawStore.settle();
      this.afterScheduledSweep();
    }
    if (this.clock.now().getTime() < target) this.clock.set(new Date(target));
  }

  /** Run after every scheduled sweep: the invariants are checked at each sweep's time, not only at the end of a jump. */
  afterScheduledSweep: () => void = () => undefined;

  private async trigger(trigger: Trigger): Promise<void> {
    switch (trigger.do) {
      case 'schedule':
        return this.scheduled(this.secretAt(trigger.secret));
      case 'rotate-now':
        return this.rotateNow(this.secretAt(trigger.secret), trigger.revokeNow);
      case 'sweep':
        return this.sweep('sweep');
      case 'leak':
        return this.leak(this.secretAt(trigger.secret), trigger.stage);
    }
  }

  /**
   * A scanner reports the key the secret's AWSCURRENT (or AWSPREVIOUS) holds.
   * The report and the response's outcome are kept for the leak invariant.
   */
  private async leak(arn: string, stage: 'current' | 'previous'): Promise<void> {
    const label = stage === 'current' ? Stage.current : Stage.previous;
    const version = this.rawStore.versionsOf(arn).find((candidate) => candidate.stages.includes(label));
    const value = version?.secretString ? parseSecretValue(arn, version.secretString) : undefined;
    if (!value || isPlaceholder(value)) return;
    const report = { key: value.apiKey, source: 'model', reportedAt: this.clock.now().toISOString() };
    await this.invoke('leak response', async () => {
      const outcomes = await respondToLeak(this.leakDeps, report);
      this.leaks.push({
        event: this.eventNumber,
        keyId: value.keyId,
        outcomes: outcomes.map((o) => o.action),
      });
    });
  }

  private secretAt(index: number): string {
    const arn = this.secrets[index % this.secrets.length];
    if (!arn) throw new Error('the model has no secrets');
    return arn;
  }

  /**
   * Secrets Manager's schedule. While AWSPENDING sits apart from AWSCURRENT
   * the service re-attempts that rotation with its token ("A previous
   * rotation isn't complete. That rotation will be reattempted.").
   */
  private async scheduled(arn: string): Promise<void> {
    const pending = this.pendingToken(arn);
    if (pending) return this.invokeRotation(arn, pending);
    await this.startRotation(arn, this.nextToken('schedule'));
  }

  private async rotateNow(arn: string, revokeNow: boolean): Promise<void> {
    await this.startRotation(arn, this.nextToken(revokeNow ? 'manual-now' : 'manual'));
  }

  /** RotateSecret through the faulty store, as a caller outside Rotor's Lambdas makes it. */
  private async startRotation(arn: string, token: string): Promise<void> {
    await this.invoke('RotateSecret', async () => {
      try {
        await this.enforcer.store.rotate(arn, token);
      } catch (error) {
        // The service's refusal is an answer, not a failure of Rotor.
        if (!(error instanceof RotationInProgressError)) throw error;
      }
    });
  }

  private async sweep(label: string): Promise<void> {
    await this.invoke(label, () =>
      runSweep(this.enforcer, this.settings, { remainingMs: () => 15 * MINUTE }),
    );
  }

  /** The rotation function, invoked once per step; Secrets Manager stops at the first failed step. */
  async invokeRotation(arn: string, token: string): Promise<void> {
    for (const step of ROTATION_STEPS) {
      const ok = await this.invoke(`rotation ${step}`, () =>
        runRotationStep(this.rotation, { step, secretId: arn, token }),
      );
      if (!ok) return;
    }
  }

  /** Runs one Lambda invocation in its own context; returns whether it succeeded. */
  protected async invoke(label: string, body: () => Promise<unknown>): Promise<boolean> {
    return this.invocations.run({ label, dead: false }, async () => {
      try {
        await body();
        return true;
      } catch (error) {
        this.errors.push({ invocation: label, error });
        return false;
      }
    });
  }

  pendingToken(arn: string): string | undefined {
    const versions = this.rawStore.versionsOf(arn);
    const pending = versions.find((version) => version.stages.includes(Stage.pending));
    if (!pending || pending.stages.includes(Stage.current)) return undefined;
    return pending.versionId;
  }

  /** Deterministic tokens, so a replayed schedule names the same versions and keys. */
  nextToken(kind: 'schedule' | 'manual' | 'manual-now' | 'leak'): string {
    const uuid = `00000000-0000-4000-8000-${(++this.tokenSequence).toString(16).padStart(12, '0')}`;
    if (kind === 'schedule') return uuid;
    if (kind === 'leak') return rotationToken({ trigger: 'leak', revokeOutgoingNow: true }, uuid);
    return rotationToken({ trigger: 'manual', revokeOutgoingNow: kind === 'manual-now' }, uuid);
  }

  private arm(faults: readonly Fault[], yields: readonly number[]): void {
    this.faults = faults;
    this.yields = yields;
    this.callIndex = 0;
  }

  /** Called before every port call: may yield (interleaving), fail the call, or fail it after it acts. */
  private async gate(port: Port, operation: string): Promise<AfterEffect | undefined> {
    const index = this.callIndex++;
    const ticks = this.yields.length > 0 ? (this.yields[index % this.yields.length] ?? 0) : 0;
    for (let tick = 0; tick < ticks; tick++) await Promise.resolve();
    const invocation = this.invocations.getStore();
    if (invocation?.dead) throw new LambdaCrash(`${invocation.label} is no longer running`);
    const fault = this.faults.find((candidate) =>
      candidate.on === undefined ? candidate.at === index : candidate.on === operation,
    );
    if (!fault) return undefined;
    // A fault aimed at an operation hits its first call only.
    if (fault.on !== undefined) this.faults = this.faults.filter((candidate) => candidate !== fault);
    if (fault.kind === 'crash') {
      if (invocation) invocation.dead = true;
      throw new LambdaCrash(`${invocation?.label ?? 'caller'} died before call ${index}`);
    }
    if (fault.kind === 'accepted-then-timeout' || fault.kind === 'garbled') return fault.kind;
    throw injectedError(port, fault.kind);
  }

  private faultyStore(store: InMemorySecretStore): SecretStore {
    const methods: readonly (keyof SecretStore)[] = [
      'describe',
      'getValue',
      'putPendingValue',
      'updateStage',
      'tag',
      'listManaged',
      'findByTagValue',
      'rotate',
    ];
    const wrapped: Record<string, unknown> = {};
    for (const method of methods) {
      const original = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
      wrapped[method] = async (...args: unknown[]) => {
        const after = await this.gate('store', STORE_OPERATIONS[method]);
        const result = await original(...args);
        if (after) throw new SecretStoreError(`${method}: the answer was lost (socket hang up)`);
        return result;
      };
    }
    return wrapped as unknown as SecretStore;
  }

  private faultyBus(bus: EventPublisher): EventPublisher {
    return {
      publish: async (events: readonly AuditEvent[]) => {
        const after = await this.gate('events', 'PutEvents');
        await bus.publish(events);
        if (after) throw new EventPublishError('PutEvents: the answer was lost');
      },
    };
  }

  private faultyAdapter(adapter: ProviderAdapter): ProviderAdapter {
    const call = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
      const after = await this.gate('provider', operation);
      const result = await run();
      if (after === 'garbled') {
        throw new ProviderResponseError('fake', operation, 200, 'response lacks the documented fields');
      }
      if (after) {
        throw new ProviderUnavailableError(
          'fake',
          operation,
          undefined,
          'timed out after the provider acted',
        );
      }
      return result;
    };
    return {
      ...adapter,
      verify: (credential, context) => call('verify key', () => adapter.verify(credential, context)),
      connect: (options) => {
        const inner: ProviderConnection = adapter.connect(options);
        return {
          create: (request) => call('create key', () => inner.create(request)),
          revoke: (keyId, credential) => call('revoke key', () => inner.revoke(keyId, credential)),
          listOwnKeys: (prefix) => call('list keys', () => inner.listOwnKeys(prefix)),
        };
      },
    };
  }
}

/** Secrets Manager's API name for each store method, as faults aim at them. */
const STORE_OPERATIONS: Readonly<Record<keyof SecretStore, string>> = {
  describe: 'DescribeSecret',
  getValue: 'GetSecretValue',
  putPendingValue: 'PutSecretValue',
  updateStage: 'UpdateSecretVersionStage',
  tag: 'TagResource',
  listManaged: 'ListSecrets',
  findByTagValue: 'ListSecrets',
  rotate: 'RotateSecret',
};

function injectedError(port: Port, kind: Exclude<Fault['kind'], 'crash' | AfterEffect>): Error {
  if (port === 'store') return new StoreThrottledError('Rate exceeded (injected)');
  if (port === 'events') return new EventPublishError('PutEvents failed (injected)');
  if (kind === 'unavailable') return new ProviderUnavailableError('fake', 'call', 503, 'injected');
  return new ProviderRateLimitError('fake', 'call', undefined, 'injected');
}
