import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { awsServices } from '../lambdas/cli/aws-services';
import { runCli } from '../lambdas/cli/program';
import { signatureOf } from '../lambdas/domain/leak-webhook';
import { Stage } from '../lambdas/domain/managed-secret';
import { placeholderValue } from '../lambdas/domain/secret-value';
import type { ProviderFake } from '../test/providers/support/provider-fake';
import { LocalClock } from './clock';
import type { BusEvent } from './emulator/event-bus';
import { LocalAws } from './emulator/local-aws';
import { LOCAL_AWS_ENV, LocalNames, loadRotorFunctions } from './functions';
import type { LocalKey } from './managed-keys';
import { startProviderFakes } from './providers';

export interface LocalRotorOptions {
  readonly keys: readonly LocalKey[];
  /** Emulator port on 127.0.0.1; 0 picks a free one. */
  readonly port?: number;
  /** Where the local clock starts (default: the real now). */
  readonly startAt?: Date;
  /** Functions' Powertools log level. */
  readonly logLevel?: string;
  /** Functions print their metrics (EMF) to stdout. */
  readonly metrics?: boolean;
  /** Also show the functions' log lines (they always land in `/aws/lambda/<name>`). */
  readonly echoFunctionLogs?: (functionName: string, line: string) => void;
}

/** What a managed key holds right now, by key id (never by value). */
export interface KeySnapshot {
  readonly secretName: string;
  readonly provider: string;
  readonly currentKeyId?: string;
  readonly previousKeyId?: string;
  /** Keys minted for this secret that the provider still accepts. */
  readonly liveKeyIds: readonly string[];
}

/**
 * Rotor deployed locally: the emulator, the provider servers, the three real
 * functions and the managed keys, created as the stack creates them. The
 * methods are what happens to a deployment: time passing, the rotation
 * schedule, the enforcer's schedule, operators and scanners.
 */
export class LocalRotor {
  private constructor(
    readonly aws: LocalAws,
    readonly clock: LocalClock,
    readonly fakes: ReadonlyMap<string, ProviderFake>,
    readonly keys: readonly LocalKey[],
    private readonly webhookSecret: string,
    private readonly deployer: SecretsManagerClient,
  ) {}

  /** Starts everything and deploys the keys; does not mint them (see `bootstrap`). */
  static async start(options: LocalRotorOptions): Promise<LocalRotor> {
    const clock = options.startAt ? LocalClock.startingAt(options.startAt) : new LocalClock();
    const fakes = await startProviderFakes(options.keys.map((key) => key.provider));
    const aws = await LocalAws.start({
      port: options.port ?? 0,
      eventBusName: LocalNames.eventBus,
      logGroups: [LocalNames.deliveryLogGroup],
      rules: [{ source: 'rotor', logGroupName: LocalNames.auditLogGroup }],
      clock,
      ...(options.echoFunctionLogs ? { echoFunctionLogs: options.echoFunctionLogs } : {}),
    });
    const functions = await loadRotorFunctions({
      endpoint: aws.endpoint,
      providerEndpoints: Object.fromEntries(
        [...fakes].map(([provider, fake]) => [provider, fake.server.url]),
      ),
      logLevel: options.logLevel ?? 'WARN',
      metrics: options.metrics ?? false,
    });
    // Timeouts as the stack sets them.
    aws.lambda.register(LocalNames.rotationFunction, functions.rotation, { timeoutMs: 2 * 60_000 });
    aws.lambda.register(LocalNames.enforcerFunction, functions.enforcer, { timeoutMs: 15 * 60_000 });
    aws.lambda.register(LocalNames.leakFunction, functions.leak, { timeoutMs: 30_000 });

    const deployer = new SecretsManagerClient({
      endpoint: aws.endpoint,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: {
        accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
      },
    });
    const webhookSecret = randomBytes(32).toString('hex');
    const rotor = new LocalRotor(aws, clock, fakes, options.keys, webhookSecret, deployer);
    await rotor.deploy();
    return rotor;
  }

  /** The emulator's endpoint, for `--endpoint-url`. */
  get endpoint(): string {
    return this.aws.endpoint;
  }

  /** Every event on the bus so far. */
  get events(): readonly BusEvent[] {
    return this.aws.bus.events;
  }

  /**
   * What the stack's first deploy does after creating the secrets: the
   * RotationSchedule calls RotateSecret with the rotation function and rules,
   * which mints each key's first key (trigger `bootstrap`).
   */
  async bootstrap(): Promise<void> {
    const rotationArn = this.aws.lambda.arnOf(LocalNames.rotationFunction);
    for (const key of this.keys) {
      await this.deployer.send(
        new RotateSecretCommand({
          SecretId: key.secretName,
          RotationLambdaARN: rotationArn,
          RotationRules: key.rules,
        }),
      );
    }
    await this.aws.settle();
  }

  /** Secrets Manager's schedule at the clock's time: rotates every key that is due. Returns their names. */
  async runRotationSchedule(): Promise<string[]> {
    const rotated = await this.aws.rotateDueSecrets(this.clock.now());
    await this.aws.settle();
    return this.keys
      .filter((key) => rotated.some((arn) => this.arnOf(key) === arn))
      .map((key) => key.secretName);
  }

  /** The earliest NextRotationDate of the managed keys. */
  async nextScheduledRotation(): Promise<Date | undefined> {
    const dates: number[] = [];
    for (const key of this.keys) {
      const next = (await this.aws.store.describe(key.secretName)).nextRotationDate;
      if (next) dates.push(next.getTime());
    }
    return dates.length > 0 ? new Date(Math.min(...dates)) : undefined;
  }

  /** EventBridge Scheduler's invocation of the enforcer (its input is `{}`). Resolves to the sweep's outcome. */
  async runEnforcer(): Promise<unknown> {
    const outcome = await this.aws.lambda.invoke(LocalNames.enforcerFunction, {});
    await this.aws.settle();
    return outcome;
  }

  /** Runs the rotor CLI, as an operator would, against the emulator; resolves to its exit code and output. */
  async cli(args: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const exitCode = await runCli(['node', 'rotor', ...args, '--endpoint-url', this.endpoint], {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      stdin: Readable.from([]),
      env: { ...process.env, ...LOCAL_AWS_ENV },
      connect: awsServices,
    });
    await this.aws.settle();
    return { exitCode, stdout, stderr };
  }

  /**
   * A scanner reports a leaked key to the leak function's URL, signed with
   * the shared secret (the generic format: X-Rotor-Timestamp and
   * X-Rotor-Signature over `<timestamp>.<body>`).
   */
  async reportLeak(leakedKey: string, source = 'local-scanner'): Promise<{ status: number; body: unknown }> {
    const body = JSON.stringify({ key: leakedKey, source, reportedAt: this.clock.now().toISOString() });
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    const response = await fetch(this.aws.functionUrl(LocalNames.leakFunction), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-rotor-timestamp': timestamp,
        'x-rotor-signature': signatureOf(this.webhookSecret, `${timestamp}.${body}`),
      },
      body,
    });
    const text = await response.text();
    await this.aws.settle();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, body: parsed };
  }

  /**
   * The key a version with `stage` holds, read from the store without
   * touching LastAccessedDate. Key material: the scenario hands it to the leak
   * report only, and never prints it.
   */
  keyMaterialAt(secretName: string, stage: string = Stage.current): string {
    const version = this.aws.store
      .versionsOf(secretName)
      .find((candidate) => candidate.stages.includes(stage));
    const value = version?.secretString ? (JSON.parse(version.secretString) as { apiKey?: unknown }) : {};
    if (typeof value.apiKey !== 'string') throw new Error(`${secretName} holds no key at ${stage}`);
    return value.apiKey;
  }

  /** Which keys each secret holds and which of its keys the provider still accepts. */
  snapshot(): KeySnapshot[] {
    return this.keys.map((key) => {
      const versions = this.aws.store.versionsOf(key.secretName);
      const keyIdAt = (stage: string) => {
        const version = versions.find((candidate) => candidate.stages.includes(stage));
        if (!version?.secretString) return undefined;
        const value = JSON.parse(version.secretString) as { keyId?: unknown };
        return typeof value.keyId === 'string' ? value.keyId : undefined;
      };
      const minted = this.events
        .filter((event) => event.detailType === 'Key Created' && event.detail.secretName === key.secretName)
        .map((event) => String(event.detail.keyId));
      const fake = this.fakes.get(key.provider);
      const currentKeyId = keyIdAt(Stage.current);
      const previousKeyId = keyIdAt(Stage.previous);
      return {
        secretName: key.secretName,
        provider: key.provider,
        ...(currentKeyId ? { currentKeyId } : {}),
        ...(previousKeyId ? { previousKeyId } : {}),
        liveKeyIds: minted.filter((keyId) => fake?.isLive(keyId)),
      };
    });
  }

  /**
   * Everything that is key material in this deployment (the provider servers'
   * admin credentials and issued keys, the webhook signing secret): what must
   * never appear in output, events or logs.
   */
  keyMaterial(): string[] {
    return [this.webhookSecret, ...[...this.fakes.values()].flatMap((fake) => fake.issuedSecrets())];
  }

  /** Stops the emulator and the provider servers and puts the real clock back. */
  async close(): Promise<void> {
    await this.aws.close();
    for (const fake of this.fakes.values()) await fake.close();
    this.deployer.destroy();
    this.clock.reset();
  }

  private arnOf(key: LocalKey): string | undefined {
    return this.aws.store.secretArns().find((arn) => arn.includes(`:secret:${key.secretName}-`));
  }

  /**
   * What `cdk deploy` creates: admin credentials (set here as an operator's
   * `rotor admin set` would), the webhook signing secret, and each managed
   * secret with its placeholder value and policy tags.
   */
  private async deploy(): Promise<void> {
    for (const adminSecret of new Set(this.keys.map((key) => key.adminSecret))) {
      const provider = this.keys.find((key) => key.adminSecret === adminSecret)?.provider as string;
      await this.deployer.send(
        new CreateSecretCommand({
          Name: adminSecret,
          SecretString: this.fakes.get(provider)?.adminCredential,
        }),
      );
    }
    await this.deployer.send(
      new CreateSecretCommand({ Name: LocalNames.webhookSecret, SecretString: this.webhookSecret }),
    );
    for (const key of this.keys) {
      await this.deployer.send(
        new CreateSecretCommand({
          Name: key.secretName,
          SecretString: placeholderValue(key.provider),
          Tags: Object.entries(key.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    }
  }
}
