import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_STACK_NAME, rotorResourceNames } from '../config/stack-names';
import { errorSummary } from '../domain/audit-events';
import { parseDuration } from '../domain/duration';
import { Tags } from '../domain/managed-secret';
import { readCredential } from './admin-input';
import { type AuditRecord, DEFAULT_AUDIT_LOG_GROUP } from './audit-trail';
import { type Column, progressLine, renderJson, renderTable, shortDate, shortDuration } from './output';
import { type PlanEntry, planFor } from './plan';
import {
  DEFAULT_BULK_RATE,
  isSuccess,
  ROTATE_SECRET_QUOTA_TPS,
  type RotationResult,
  rotateMany,
} from './rotate';
import type { CliEnvironment, CliServices, GlobalOptions, OutputFormat } from './services';
import {
  listManagedSecrets,
  type PolicyState,
  STATES,
  type StatusRow,
  sortWorstFirst,
  statusOf,
} from './status';

/** Exit codes: 0 success, 1 a command failed (a rotation, a call), 2 usage errors (commander's own). */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Runs the rotor CLI with `argv` as process.argv gives it (node, script, args…)
 * and resolves to the exit code; never calls process.exit, so tests drive the
 * real command parsing.
 */
export async function runCli(argv: readonly string[], environment: CliEnvironment): Promise<number> {
  const state = { exitCode: ExitCode.ok as number };
  const program = createProgram(environment, state);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 1 ? ExitCode.usage : error.exitCode;
    const { name, message } = errorSummary(error);
    environment.stderr.write(`rotor: ${name}: ${message}\n`);
    return ExitCode.failed;
  }
  return state.exitCode;
}

function createProgram(environment: CliEnvironment, state: { exitCode: number }): Command {
  const { stdout, stderr } = environment;
  const env = environment.env ?? process.env;
  const program = new Command('rotor')
    .description('Operate Rotor: API-key status, rotation plans, rotate-now, audit trail, admin credentials.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) })
    .showHelpAfterError()
    .option('--profile <name>', 'AWS profile from ~/.aws/config (as the AWS CLI)')
    .option('--region <region>', 'AWS Region (as the AWS CLI)')
    .option('--endpoint-url <url>', 'Send AWS calls to this endpoint (a local emulator)')
    .addOption(
      new Option('--output <format>', 'Output format')
        .choices(['table', 'json'])
        .default(env.ROTOR_OUTPUT ?? 'table'),
    )
    .option(
      '--audit-log-group <name>',
      'CloudWatch Logs group holding the audit events (env ROTOR_AUDIT_LOG_GROUP)',
      env.ROTOR_AUDIT_LOG_GROUP ?? DEFAULT_AUDIT_LOG_GROUP,
    )
    .option(
      '--assisted-function <name>',
      "The stack's assisted-rotation function, for supply and confirm-revoked (env ROTOR_ASSISTED_FUNCTION)",
      env.ROTOR_ASSISTED_FUNCTION ?? DEFAULT_ASSISTED_FUNCTION,
    );

  const connect = (command: Command): { services: CliServices; output: OutputFormat } => {
    const options = command.optsWithGlobals() as GlobalOptions;
    return { services: environment.connect(options), output: options.output };
  };

  program
    .command('status')
    .description(
      'One row per managed key, worst first: age, rotations, previous key, last access, policy state.',
    )
    .option('--provider <id>', 'Only keys of this provider')
    .addOption(new Option('--state <state>', 'Only keys in this policy state').choices([...STATES]))
    .action(async (options: { provider?: string; state?: PolicyState }, command: Command) => {
      const { services, output } = connect(command);
      const now = services.clock.now();
      const rows = sortWorstFirst(
        (await listManagedSecrets(services.store))
          .map((secret) => statusOf(secret, now))
          .filter((row) => !options.provider || row.provider === options.provider.toLowerCase())
          .filter((row) => !options.state || row.state === options.state),
      );
      stdout.write(output === 'json' ? renderJson(rows) : renderTable(STATUS_COLUMNS, rows));
    });

  program
    .command('plan')
    .description('Rotations and revocations the schedule and the enforcer will perform in the next N hours.')
    .option('--hours <n>', 'Window, in hours', positiveNumber, 24)
    .option('--provider <id>', 'Only keys of this provider')
    .action(async (options: { hours: number; provider?: string }, command: Command) => {
      const { services, output } = connect(command);
      const secrets = (await listManagedSecrets(services.store)).filter(
        (secret) =>
          !options.provider || secret.tags[Tags.provider]?.toLowerCase() === options.provider.toLowerCase(),
      );
      const entries = planFor(secrets, services.clock.now(), options.hours * 3_600_000);
      stdout.write(output === 'json' ? renderJson(entries) : renderTable(PLAN_COLUMNS, entries));
    });

  program
    .command('rotate')
    .description('Rotate now (RotateSecret) and follow each rotation to its outcome.')
    .argument('[secrets...]', 'Secret names or ARNs')
    .option('--provider <id>', 'With --all: every managed key of this provider')
    .option('--all', 'Rotate every managed key of --provider')
    .option(
      '--revoke-previous-now',
      'Revoke the outgoing key as soon as the new one is current (no grace period)',
    )
    .option('--no-wait', 'Return once RotateSecret accepted the rotation')
    .option('--timeout <seconds>', 'How long to follow each rotation', positiveNumber, 600)
    .option('--poll-interval <seconds>', 'Seconds between label checks', positiveNumber, 5)
    .option('--concurrency <n>', 'RotateSecret calls in flight at once', positiveInteger, 10)
    .option(
      '--rate <tps>',
      `RotateSecret calls per second (quota ${ROTATE_SECRET_QUOTA_TPS})`,
      rateLimit,
      DEFAULT_BULK_RATE,
    )
    .action(async (secrets: string[], options: RotateCommandOptions, command: Command) => {
      if (options.all && !options.provider) throw usage(command, '--all needs --provider <id>');
      if (options.all && secrets.length > 0)
        throw usage(command, 'give secret names or --provider --all, not both');
      if (!options.all && secrets.length === 0)
        throw usage(command, 'name a secret, or use --provider <id> --all');
      const { services, output } = connect(command);
      const targets = options.all
        ? (await listManagedSecrets(services.store))
            .filter((secret) => secret.tags[Tags.provider]?.toLowerCase() === options.provider?.toLowerCase())
            .map((secret) => secret.name)
        : secrets;
      const showProgress = Boolean(stderr.isTTY) && targets.length > 1;
      let done = 0;
      let failed = 0;
      const results = await rotateMany(services, targets, {
        revokePreviousNow: Boolean(options.revokePreviousNow),
        wait: options.wait,
        timeoutMs: options.timeout * 1000,
        pollIntervalMs: options.pollInterval * 1000,
        concurrency: options.concurrency,
        ratePerSecond: options.rate,
        onResult: (result) => {
          done++;
          if (!isSuccess(result)) failed++;
          if (showProgress) stderr.write(progressLine(done, targets.length, failed));
        },
      });
      if (showProgress) stderr.write('\n');
      for (const result of results.filter((candidate) => !isSuccess(candidate))) {
        stderr.write(`rotor: ${result.secret}: ${result.outcome}: ${result.error ?? 'unknown cause'}\n`);
      }
      const summary = summarize(results);
      if (output === 'json') stdout.write(renderJson({ results, summary }));
      else {
        stdout.write(renderTable(ROTATE_COLUMNS, results));
        stdout.write(
          `\n${summary.succeeded} succeeded, ${summary.failed} failed${options.wait ? '' : ' (not followed)'}, ${summary.throttled} throttled calls retried\n`,
        );
      }
      if (summary.failed > 0) state.exitCode = ExitCode.failed;
    });

  program
    .command('audit')
    .description('The audit trail from the events log group, oldest first.')
    .argument('[secret]', 'Only events of this secret (name or ARN)')
    .option('--since <when>', 'Start: a duration back (24h, 7d, PT30M) or an ISO-8601 time', '24h')
    .option('--limit <n>', 'At most this many events', positiveInteger, 100)
    .action(
      async (secret: string | undefined, options: { since: string; limit: number }, command: Command) => {
        const { services, output } = connect(command);
        const since = parseSince(options.since, services.clock.now());
        if (!since)
          throw usage(command, `--since "${options.since}" is neither a duration nor an ISO-8601 time`);
        const records = await services.audit.read({
          ...(secret ? { secret } : {}),
          since,
          limit: options.limit,
        });
        stdout.write(output === 'json' ? renderJson(records) : renderTable(AUDIT_COLUMNS, records));
      },
    );

  const admin = program.command('admin').description('Admin credentials that mint and revoke keys.');
  admin
    .command('set')
    .description('Store an admin credential read from standard input (never an argument, never echoed).')
    .argument('<name>', 'The admin secret (name or ARN), e.g. rotor/admin/sendgrid')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { services, output } = connect(command);
      const credential = await readCredential(
        environment.stdin,
        stderr,
        `Admin credential for ${name} (input hidden): `,
      );
      const { versionId } = await services.putValue(name, credential);
      stdout.write(
        output === 'json'
          ? renderJson({ secret: name, versionId })
          : `Stored a new version of ${name} (${versionId})\n`,
      );
    });

  program
    .command('supply')
    .description(
      'Assisted rotation: store a key you made at the provider, read from standard input; Rotor verifies and activates it.',
    )
    .argument('<secret>', 'The managed secret (name or ARN)')
    .option('--key-id <id>', "The provider's id for the key, if it shows one (not secret)")
    .action(async (secret: string, options: { keyId?: string }, command: Command) => {
      const { services, output } = connect(command);
      const apiKey = await readCredential(
        environment.stdin,
        stderr,
        `New key for ${secret} (input hidden): `,
      );
      const result = await services.assisted.supply({
        secretId: secret,
        apiKey,
        ...(options.keyId ? { keyId: options.keyId } : {}),
      });
      if (output === 'json') {
        stdout.write(renderJson({ secret, ...result }));
        return;
      }
      stdout.write(
        `${secret}: key ${result.keyId} (${result.fingerprint}) is now current` +
          `${result.verified ? ', verified at the provider' : ', not verified (the provider has no read call)'}\n`,
      );
      if (result.previousKey) {
        stdout.write(
          `Revoke the previous key ${result.previousKey.keyId} at the provider by ${result.previousKey.revokeDueAt}, ` +
            `then run: rotor confirm-revoked ${secret}\n`,
        );
      }
    });

  program
    .command('confirm-revoked')
    .description('Assisted rotation: confirm that the previous key has been revoked at the provider.')
    .argument('<secret>', 'The managed secret (name or ARN)')
    .option(
      '--key-id <id>',
      'The key you revoked (its id or fingerprint), checked against the one awaiting revocation',
    )
    .action(async (secret: string, options: { keyId?: string }, command: Command) => {
      const { services, output } = connect(command);
      const result = await services.assisted.confirmRevoked({
        secretId: secret,
        ...(options.keyId ? { keyId: options.keyId } : {}),
      });
      if (output === 'json') {
        stdout.write(renderJson({ secret, ...result }));
        return;
      }
      stdout.write(
        result.outcome === 'confirmed'
          ? `${secret}: recorded key ${result.keyId} as revoked\n`
          : `${secret}: no key awaits revocation\n`,
      );
    });

  return program;
}

/** The assisted function when neither --assisted-function nor ROTOR_ASSISTED_FUNCTION is given: the default stack's. */
export const DEFAULT_ASSISTED_FUNCTION = rotorResourceNames(DEFAULT_STACK_NAME).assistedFunction;

interface RotateCommandOptions {
  readonly provider?: string;
  readonly all?: boolean;
  readonly revokePreviousNow?: boolean;
  readonly wait: boolean;
  readonly timeout: number;
  readonly pollInterval: number;
  readonly concurrency: number;
  readonly rate: number;
}

const STATUS_COLUMNS: readonly Column<StatusRow>[] = [
  { header: 'SECRET', cell: (row) => row.name },
  { header: 'PROVIDER', cell: (row) => row.provider },
  { header: 'STATE', cell: (row) => row.state },
  { header: 'AGE', cell: (row) => shortDuration(row.ageMs) },
  { header: 'LAST ROTATED', cell: (row) => shortDate(row.lastRotated) },
  { header: 'NEXT ROTATION', cell: (row) => shortDate(row.nextRotation) },
  { header: 'PREVIOUS LIVE UNTIL', cell: (row) => shortDate(row.previousLiveUntil) },
  { header: 'LAST ACCESSED', cell: (row) => row.lastAccessed?.toISOString().slice(0, 10) ?? '-' },
  { header: 'REASON', cell: (row) => row.reason ?? '' },
];

const PLAN_COLUMNS: readonly Column<PlanEntry>[] = [
  { header: 'WHEN', cell: (entry) => shortDate(entry.at) },
  { header: 'SECRET', cell: (entry) => entry.name },
  { header: 'PROVIDER', cell: (entry) => entry.provider },
  { header: 'ACTION', cell: (entry) => entry.action },
  { header: 'BY', cell: (entry) => entry.by },
  { header: 'REASON', cell: (entry) => entry.reason },
];

const ROTATE_COLUMNS: readonly Column<RotationResult>[] = [
  { header: 'SECRET', cell: (result) => result.secret },
  { header: 'OUTCOME', cell: (result) => result.outcome },
  { header: 'VERSION', cell: (result) => result.versionId ?? '-' },
  { header: 'ERROR', cell: (result) => result.error ?? '' },
];

const AUDIT_COLUMNS: readonly Column<AuditRecord>[] = [
  { header: 'TIME', cell: (record) => record.time.toISOString() },
  { header: 'EVENT', cell: (record) => record.detailType },
  { header: 'SECRET', cell: (record) => record.detail.secretName },
  { header: 'TRIGGER', cell: (record) => record.detail.trigger },
  { header: 'KEY', cell: (record) => record.detail.keyId ?? '-' },
  { header: 'FINGERPRINT', cell: (record) => record.detail.fingerprint ?? '-' },
  {
    header: 'DETAIL',
    cell: (record) =>
      record.detail.error
        ? `${record.detail.error.name}: ${record.detail.error.message}`
        : (record.detail.reason ?? ''),
  },
];

function summarize(results: readonly RotationResult[]) {
  const succeeded = results.filter(isSuccess).length;
  return {
    total: results.length,
    succeeded,
    failed: results.length - succeeded,
    throttled: results.reduce((sum, result) => sum + result.throttled, 0),
  };
}

function usage(command: Command, message: string): CommanderError {
  command.error(`error: ${message}`, { exitCode: ExitCode.usage, code: 'rotor.usage' });
  // command.error throws through exitOverride; this line only satisfies the type checker.
  return new CommanderError(ExitCode.usage, 'rotor.usage', message);
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('Not a positive number.');
  return number;
}

function positiveInteger(value: string): number {
  const number = positiveNumber(value);
  if (!Number.isInteger(number)) throw new InvalidArgumentError('Not a positive integer.');
  return number;
}

function rateLimit(value: string): number {
  const rate = positiveNumber(value);
  if (rate > ROTATE_SECRET_QUOTA_TPS) {
    throw new InvalidArgumentError(`RotateSecret's quota is ${ROTATE_SECRET_QUOTA_TPS} per second.`);
  }
  return rate;
}

const SHORTHAND = /^(\d+)\s*([smhdw])$/i;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 };

/** `--since`: `24h`, `7d`, an ISO-8601 duration (`PT30M`) or an ISO-8601 time. */
export function parseSince(text: string, now: Date): Date | undefined {
  const shorthand = SHORTHAND.exec(text.trim());
  if (shorthand) {
    return new Date(
      now.getTime() - Number(shorthand[1]) * (UNIT_MS[(shorthand[2] ?? '').toLowerCase()] ?? 0),
    );
  }
  const duration = parseDuration(text);
  if (duration !== undefined) return new Date(now.getTime() - duration);
  const time = Date.parse(text);
  return /^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(time) ? new Date(time) : undefined;
}
