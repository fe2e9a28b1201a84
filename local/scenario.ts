import { renderTable } from '../lambdas/cli/output';
import { DetailType } from '../lambdas/domain/audit-events';
import { Durations, formatDuration } from '../lambdas/domain/duration';
import { RotorError } from '../lambdas/domain/errors';
import { fingerprintOf } from '../lambdas/domain/secret-value';
import type { BusEvent } from './emulator/event-bus';
import { LocalNames } from './functions';
import { type KeySnapshot, LocalRotor } from './local-rotor';
import { type LocalKey, loadManagedKeys } from './managed-keys';

/** The scenario's stages, in order. */
export type StageName = 'bootstrap' | 'schedule' | 'rotate-now' | 'grace' | 'leak';

/** One audit event as the timeline shows it: identifiers and fingerprints only. */
export interface TimelineEntry {
  readonly stage: StageName;
  readonly time: string;
  readonly detailType: string;
  readonly secretName: string;
  readonly trigger: string;
  readonly keyId?: string;
  readonly fingerprint?: string;
  /** Reason, outcome or error of the event. */
  readonly note?: string;
}

/** The keys of every managed secret at the end of a stage. */
export interface Checkpoint {
  readonly stage: StageName;
  readonly at: string;
  readonly keys: readonly KeySnapshot[];
}

export interface ScenarioOptions {
  /** The Rotor config whose keys the scenario deploys. */
  readonly configFile: string;
  /** Emulator port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Where the narration goes. */
  readonly write: (text: string) => void;
  /** Functions' Powertools log level (default WARN). */
  readonly logLevel?: string;
  /** Functions print their metrics (EMF). */
  readonly metrics?: boolean;
  /** Print the functions' log lines as they write them (they always land in `/aws/lambda/<name>`). */
  readonly showFunctionLogs?: boolean;
  /** Leave the local Rotor running after the scenario (`--interactive`); the caller closes it. */
  readonly keepRunning?: boolean;
}

export interface ScenarioResult {
  readonly timeline: readonly TimelineEntry[];
  readonly checkpoints: readonly Checkpoint[];
  readonly keys: readonly LocalKey[];
  /** Secrets the rotation schedule rotated. */
  readonly scheduled: readonly string[];
  /** The secret the operator rotated with `rotor rotate`. */
  readonly rotatedNow: string;
  readonly leak: {
    readonly secretName: string;
    readonly keyId: string;
    readonly fingerprint: string;
    readonly status: number;
    readonly response: unknown;
  };
  /** `rotor status` as the operator sees it at the end. */
  readonly statusTable: string;
  /** Every piece of key material the run issued (for canary checks); never printed. */
  readonly keyMaterial: readonly string[];
  /** The running local Rotor with `keepRunning`; closed otherwise. */
  readonly rotor: LocalRotor;
}

/** The scenario did not go as Rotor promises: the run exits non-zero. */
export class ScenarioError extends RotorError {}

/**
 * Issue 8's scenario, on the real functions: three managed keys are
 * bootstrapped; the rotation schedule rotates one; an operator rotates another
 * with `rotor rotate`; the clock jumps past the grace period and the
 * enforcer's sweep revokes the previous keys; a scanner reports a key to the
 * leak webhook, which rotates it and revokes the leaked key at once. The
 * clock starts in the past by the time the scenario skips, so it ends at the
 * real now and `rotor status` (here or from another terminal) reads true ages.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { write } = options;
  const keys = loadManagedKeys(options.configFile);
  const scheduleJump = Math.min(...keys.map((key) => key.intervalMs));
  const graceJump = Math.max(...keys.map((key) => key.graceMs)) + Durations.HOUR;
  const startAt = new Date(Date.now() - scheduleJump - graceJump - 10 * Durations.MINUTE);
  const rotor = await LocalRotor.start({
    keys,
    startAt,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
    ...(options.showFunctionLogs
      ? { echoFunctionLogs: (name: string, line: string) => write(`    [${name}] ${line}\n`) }
      : {}),
  });

  const timeline: TimelineEntry[] = [];
  const checkpoints: Checkpoint[] = [];
  let stage: StageName = 'bootstrap';
  const nameWidth = Math.max(...keys.map((key) => key.secretName.length));
  const unsubscribe = rotor.aws.bus.subscribe((event) => {
    const entry = timelineEntry(stage, event);
    timeline.push(entry);
    write(formatEntry(entry, nameWidth));
  });
  const checkpoint = () => {
    const snapshot = { stage, at: rotor.clock.now().toISOString(), keys: rotor.snapshot() };
    checkpoints.push(snapshot);
    write(formatCheckpoint(snapshot));
  };

  try {
    write(introduction(rotor, options.configFile));

    write(
      section(1, `Deploy: ${keys.length} managed keys; each secret's first rotation mints its first key`),
    );
    await rotor.bootstrap();
    checkpoint();

    stage = 'schedule';
    const next = await rotor.nextScheduledRotation();
    if (!next) throw new ScenarioError('No managed key has a NextRotationDate after bootstrap');
    write(
      section(
        2,
        `Scheduled rotation: the clock jumps ${formatJump(next.getTime() - rotor.clock.now().getTime())} to the next NextRotationDate`,
      ),
    );
    rotor.clock.advanceTo(next);
    const scheduled = await rotor.runRotationSchedule();
    if (scheduled.length === 0) throw new ScenarioError('The rotation schedule rotated nothing');
    checkpoint();

    stage = 'rotate-now';
    const leakTarget = keys[keys.length - 1] as LocalKey;
    const target =
      keys.find((key) => !scheduled.includes(key.secretName) && key !== leakTarget) ?? (keys[0] as LocalKey);
    write(section(3, `Rotate now: an operator rotates ${target.secretName} with the rotor CLI`));
    const rotateArgs = ['rotate', target.secretName, '--poll-interval', '0.1'];
    write(`  $ rotor ${rotateArgs.join(' ')} --endpoint-url ${rotor.endpoint}\n`);
    const rotated = await rotor.cli(rotateArgs);
    write(indent(rotated.stdout + rotated.stderr));
    if (rotated.exitCode !== 0) throw new ScenarioError(`rotor rotate exited ${rotated.exitCode}`);
    checkpoint();

    stage = 'grace';
    write(
      section(
        4,
        `The grace period passes: the clock jumps ${formatJump(graceJump)}; the enforcer's scheduled sweep runs`,
      ),
    );
    rotor.clock.advance(graceJump);
    const sweep = (await rotor.runEnforcer()) as { report?: { secretsSwept?: number; keysRevoked?: number } };
    write(
      `  sweep: ${sweep.report?.secretsSwept ?? 0} secrets swept, ${sweep.report?.keysRevoked ?? 0} previous keys revoked\n`,
    );
    checkpoint();

    stage = 'leak';
    write(section(5, `Leak: a scanner reports ${leakTarget.secretName}'s current key to the leak webhook`));
    const leakedKeyId = rotor
      .snapshot()
      .find((key) => key.secretName === leakTarget.secretName)?.currentKeyId;
    const leakedKey = rotor.keyMaterialAt(leakTarget.secretName);
    const leak = await rotor.reportLeak(leakedKey);
    write(
      `  POST ${rotor.aws.functionUrl(LocalNames.leakFunction)} (signed, X-Rotor-Signature) -> ${leak.status} ${JSON.stringify(leak.body)}\n`,
    );
    checkpoint();
    unsubscribe();

    // The clock started in the past by what the scenario skipped: catch up with the real now.
    if (rotor.clock.offset() < 0) rotor.clock.advance(-rotor.clock.offset());
    write(section(6, 'rotor status'));
    write(`  $ rotor status --endpoint-url ${rotor.endpoint}\n`);
    const status = await rotor.cli(['status']);
    write(indent(status.stdout + status.stderr));

    if (rotor.aws.rotationFailures.length > 0) {
      const failures = rotor.aws.rotationFailures.map(
        (failure) => `${failure.step}: ${failure.error.name}: ${failure.error.message}`,
      );
      throw new ScenarioError(`Rotations failed:\n  ${failures.join('\n  ')}`);
    }
    write(
      `\n${timeline.length} audit events, ${rotor.aws.lambda.invocations.length} function invocations, no AWS account.\n`,
    );
    return {
      timeline,
      checkpoints,
      keys,
      scheduled,
      rotatedNow: target.secretName,
      leak: {
        secretName: leakTarget.secretName,
        keyId: leakedKeyId ?? '',
        fingerprint: fingerprintOf(leakedKey),
        status: leak.status,
        response: leak.body,
      },
      statusTable: status.stdout,
      keyMaterial: rotor.keyMaterial(),
      rotor,
    };
  } finally {
    unsubscribe();
    if (!options.keepRunning) await rotor.close();
  }
}

function introduction(rotor: LocalRotor, configFile: string): string {
  const providers = [...rotor.fakes].map(
    ([provider, fake]) =>
      `  ${`${provider} API`.padEnd(16)} ${fake.server.url}  (the fake the adapter tests use)\n`,
  );
  const declared = rotor.keys.filter((key) => !key.localOnly).map((key) => key.secretName);
  const extra = rotor.keys.filter((key) => key.localOnly).map((key) => key.secretName);
  return [
    'Rotor local mode: the real rotation, enforcer and leak functions (lambdas/handlers) on a local AWS.\n',
    `  ${'AWS emulator'.padEnd(16)} ${rotor.endpoint}  Secrets Manager, EventBridge, CloudWatch Logs, Lambda\n`,
    ...providers,
    `  ${'managed keys'.padEnd(16)} ${declared.join(', ')} (${configFile})${extra.length > 0 ? `; ${extra.join(', ')} (local-only, the config declares fewer than three)` : ''}\n`,
    `  ${'clock'.padEnd(16)} starts at ${rotor.clock.now().toISOString()} and jumps forward to now; nothing waits\n`,
  ].join('');
}

/** A jump to the nearest minute: the seconds the run itself took are noise. */
function formatJump(ms: number): string {
  return formatDuration(Math.round(ms / Durations.MINUTE) * Durations.MINUTE);
}

function section(number: number, title: string): string {
  return `\n== ${number}. ${title}\n`;
}

function timelineEntry(stage: StageName, event: BusEvent): TimelineEntry {
  const detail = event.detail;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const error = detail.error as { name?: unknown; message?: unknown } | undefined;
  const note =
    text(detail.reason) ??
    (text(detail.outcome) ? `outcome ${text(detail.outcome)}` : undefined) ??
    (error ? `${String(error.name)}: ${String(error.message)}` : undefined);
  const keyId = text(detail.keyId);
  const fingerprint = text(detail.fingerprint);
  return {
    stage,
    time: event.time.toISOString(),
    detailType: event.detailType,
    secretName: text(detail.secretName) ?? 'unknown',
    trigger: text(detail.trigger) ?? '-',
    ...(keyId ? { keyId } : {}),
    ...(fingerprint ? { fingerprint } : {}),
    ...(note ? { note } : {}),
  };
}

function formatEntry(entry: TimelineEntry, nameWidth: number): string {
  const time = `${entry.time.slice(0, 19).replace('T', ' ')}Z`;
  const key = entry.keyId ? `key ${shortId(entry.keyId)}` : '';
  const columns = [
    time,
    entry.detailType.padEnd(DETAIL_WIDTH),
    entry.secretName.padEnd(nameWidth),
    entry.trigger.padEnd(9),
    key.padEnd(14),
    (entry.fingerprint ?? '').padEnd(23),
    entry.note ?? '',
  ];
  return `  ${columns.join('  ').trimEnd()}\n`;
}

/** Wide enough for the rotation's and the enforcer's event names. */
const DETAIL_WIDTH = DetailType.rotationSucceeded.length;

function formatCheckpoint(checkpoint: Checkpoint): string {
  const table = renderTable(
    [
      { header: 'SECRET', cell: (key: KeySnapshot) => key.secretName },
      {
        header: 'AWSCURRENT',
        cell: (key: KeySnapshot) => (key.currentKeyId ? shortId(key.currentKeyId) : '-'),
      },
      {
        header: 'AWSPREVIOUS',
        cell: (key: KeySnapshot) => (key.previousKeyId ? shortId(key.previousKeyId) : '-'),
      },
      {
        header: 'LIVE AT PROVIDER',
        cell: (key: KeySnapshot) => key.liveKeyIds.map(shortId).join(', ') || '-',
      },
    ],
    checkpoint.keys,
  );
  return `\n${indent(table)}`;
}

/** Provider key ids are not secret, but long: the first 8 characters tell them apart. */
function shortId(keyId: string): string {
  return keyId.length > 10 ? `${keyId.slice(0, 8)}…` : keyId;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n')
    .replace(/\n*$/, '\n');
}
