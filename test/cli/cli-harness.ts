import { PassThrough, Readable } from 'node:stream';
import { InMemoryEventPublisher } from '../../lambdas/adapters/in-memory-event-publisher';
import { InMemorySecretStore, type StoreOperation } from '../../lambdas/adapters/in-memory-secret-store';
import { inProcessAssistedService } from '../../lambdas/cli/assisted-service';
import { InMemoryAuditTrail } from '../../lambdas/cli/audit-trail';
import { runCli } from '../../lambdas/cli/program';
import type { CliServices, GlobalOptions, TextSink, TextSource } from '../../lambdas/cli/services';
import { ROTATION_STEPS, type RotationDeps, runRotationStep } from '../../lambdas/domain/rotation';
import { placeholderValue } from '../../lambdas/domain/secret-value';
import { createRegistry } from '../../lambdas/providers';
import { manual } from '../../lambdas/providers/manual';
import { FakeClock } from '../support/fake-clock';
import { FakeProvider } from '../support/fake-provider';
import { ROTATION_FUNCTION_ARN } from '../support/rotation-harness';

/** A fake clock whose sleep also yields to the event loop, so a rotation running "in the service" progresses. */
export class YieldingClock extends FakeClock {
  override async sleep(ms: number): Promise<void> {
    await super.sleep(ms);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Captures what the CLI writes. */
export class Sink implements TextSink {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export interface HarnessOptions {
  readonly fault?: (operation: StoreOperation, secretId: string | undefined) => Error | undefined;
}

/**
 * The CLI against in-memory AWS: a Secrets Manager-like store whose
 * RotateSecret runs the real rotation steps with a fake provider, a recording
 * bus read back as the audit trail, and a fake clock.
 */
export function cliHarness(options: HarnessOptions = {}) {
  const clock = new YieldingClock('2026-12-04T19:00:00Z');
  const provider = new FakeProvider('fake', () => clock.now());
  const events = new InMemoryEventPublisher();
  let uuids = 0;
  const uuid = (): `${string}-${string}-${string}-${string}-${string}` =>
    `00000000-0000-4000-8000-${String(++uuids).padStart(12, '0')}`;
  let deps: RotationDeps;
  const store = new InMemorySecretStore({
    clock,
    fault: options.fault,
    onRotate: async (secretId, token) => {
      // Secrets Manager records a failed invocation and moves on; the rotation's own events say why.
      try {
        for (const step of ROTATION_STEPS) await runRotationStep(deps, { step, secretId, token });
      } catch {}
    },
  });
  deps = {
    store,
    events,
    providers: { registry: createRegistry([provider.adapter(), manual]), endpointOverride: () => undefined },
    clock,
  };
  store.createSecret({ name: 'rotor/admin/fake', secretString: 'admin-credential' });

  const services: CliServices = {
    store,
    putValue: async (secretId, secretString) => {
      const versionId = uuid();
      await store.putValue(secretId, secretString, undefined, versionId);
      return { versionId };
    },
    audit: new InMemoryAuditTrail(() => events.events),
    clock,
    uuid,
    assisted: inProcessAssistedService(deps),
  };
  const connections: GlobalOptions[] = [];

  function createManagedSecret(name: string, tags: Record<string, string> = {}, rotationIntervalMs?: number) {
    return store.createSecret({
      name,
      secretString: placeholderValue('fake'),
      rotationLambdaArn: ROTATION_FUNCTION_ARN,
      rotationIntervalMs,
      tags: {
        'rotor:provider': 'fake',
        'rotor:admin-secret': 'rotor/admin/fake',
        'rotor:grace': 'PT24H',
        'rotor:max-age': 'P45D',
        ...tags,
      },
    });
  }

  /** A managed secret with its first key minted (bootstrap rotation done). */
  async function createKeyedSecret(
    name: string,
    tags: Record<string, string> = {},
    rotationIntervalMs?: number,
  ) {
    const arn = createManagedSecret(name, tags, rotationIntervalMs);
    await store.rotate(arn, uuid());
    await store.settle();
    return arn;
  }

  /** Runs `rotor <args>`; stdin is piped text unless a stream is given. */
  async function run(args: readonly string[], io: { stdin?: TextSource | string; tty?: boolean } = {}) {
    const stdout = new Sink(io.tty);
    const stderr = new Sink(io.tty);
    const stdin =
      typeof io.stdin === 'string' || io.stdin === undefined
        ? (Readable.from(io.stdin === undefined ? [] : [Buffer.from(io.stdin)]) as TextSource)
        : io.stdin;
    const exitCode = await runCli(['node', 'rotor', ...args], {
      stdout,
      stderr,
      stdin,
      env: {},
      connect: (options) => {
        connections.push(options);
        return services;
      },
    });
    await store.settle();
    return { exitCode, stdout: stdout.text, stderr: stderr.text };
  }

  return {
    clock,
    provider,
    events,
    store,
    services,
    connections,
    createManagedSecret,
    createKeyedSecret,
    run,
  };
}

/** A stream that behaves like a terminal: raw mode is recorded, keystrokes are written by the test. */
export function fakeTerminal() {
  const stream = new PassThrough() as PassThrough & {
    isTTY: boolean;
    rawModes: boolean[];
    setRawMode(mode: boolean): void;
  };
  stream.isTTY = true;
  stream.rawModes = [];
  stream.setRawMode = (mode: boolean) => {
    stream.rawModes.push(mode);
  };
  return stream;
}
