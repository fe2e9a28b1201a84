import { readFileSync } from 'node:fs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { MAX_STACK_NAME_LENGTH } from '../lambdas/config/stack-names';
import { Durations, parseDuration } from '../lambdas/domain/duration';
import { RotorError } from '../lambdas/domain/errors';
import { PROVIDER_IDS } from '../lambdas/providers';
import { declarationProblems } from './managed-key-spec';

const isoDuration = z
  .string()
  .regex(
    /^P(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$/,
    'must be an ISO-8601 duration such as PT24H or P45D',
  );

/** An ISO-8601 duration between `min` and `max` (inclusive), in whole `unit`s when given. */
function boundedDuration(min: string, max: string, unit?: { ms: number; name: string }) {
  const [low, high] = [parseDuration(min) as number, parseDuration(max) as number];
  return isoDuration.check((payload) => {
    const ms = parseDuration(payload.value);
    if (ms === undefined) return; // isoDuration reported it
    const problem =
      ms < low || ms > high
        ? `must be between ${min} and ${max}`
        : unit && ms % unit.ms !== 0
          ? `must be whole ${unit.name}`
          : undefined;
    if (problem) payload.issues.push({ code: 'custom', message: problem, input: payload.value });
  });
}

const RETENTION_DAYS = new Set(Object.values(RetentionDays).filter((value) => typeof value === 'number'));
const retentionDays = z
  .number()
  .int()
  .refine((days) => RETENTION_DAYS.has(days), {
    message: `must be one of CloudWatch Logs' retention periods: ${[...RETENTION_DAYS].join(', ')}`,
  });

const roleArn = z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN');

const scheduleSchema = z
  .strictObject({
    every: isoDuration.optional().describe('Rotate at this interval, e.g. P30D or PT12H (4 hours at least).'),
    cron: z
      .string()
      .optional()
      .describe('Rotate on a Secrets Manager cron expression, e.g. cron(0 4 ? * MON *) (UTC).'),
    window: isoDuration.optional().describe('Rotation window in whole hours, e.g. PT3H.'),
  })
  .describe('Exactly one of every and cron, and an optional window.');

const keySchema = z
  .strictObject({
    secretName: z
      .string()
      .regex(/^[\w/+=.@-]{1,512}$/, 'must be a Secrets Manager name (letters, digits and /_+=.@-)')
      .optional()
      .describe('Name of the secret applications read. Default: rotor/<key id>.'),
    provider: z.string().describe(`Provider id: one of ${PROVIDER_IDS.join(', ')}.`),
    adminSecret: z.string().describe('Name of the admin credential (declared under adminSecrets).'),
    schedule: scheduleSchema,
    grace: isoDuration.optional().describe('How long a superseded key stays live. Default P1D.'),
    maxAge: isoDuration.optional().describe('Hard ceiling on a key’s life. Default P90D.'),
    unusedAfter: isoDuration.optional().describe('Flag a key nobody read for this long. Default: off.'),
    unusedAction: z.enum(['notify', 'revoke']).optional().describe('Default notify.'),
    expiryWarning: isoDuration.optional().describe('Lead time of Key Expiring events. Default P7D.'),
    settings: z
      .record(z.string(), z.string())
      .optional()
      .describe('Provider settings, written as rotor:<name> tags (SendGrid: scopes, region, on-behalf-of).'),
    readers: z.array(roleArn).optional().describe('Role ARNs allowed to read the key.'),
  })
  .check((payload) => {
    // A field the schema already refused (a malformed duration) is reported once, by the schema.
    const reported = new Set(payload.issues.map((issue) => (issue.path ?? []).map(String).join('.')));
    for (const problem of declarationProblems(payload.value)) {
      if (reported.has(problem.field)) continue;
      payload.issues.push({
        code: 'custom',
        path: problem.field.split('.'),
        message: problem.message,
        input: payload.value,
      });
    }
  });

export const rotorConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    stackName: z
      .string()
      .regex(
        new RegExp(`^[A-Za-z][A-Za-z0-9-]{0,${MAX_STACK_NAME_LENGTH - 1}}$`),
        `must be a CloudFormation stack name of at most ${MAX_STACK_NAME_LENGTH} characters`,
      )
      .default('Rotor')
      .describe(
        'Name of the core stack; further key stacks are named <stackName>Keys2, 3, … The bus is <stackname>-audit, the audit log group /aws/events/<stackName>/rotor-audit, the assisted function <stackname>-assisted.',
      ),
    env: z
      .strictObject({
        account: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region such as eu-west-1'),
      })
      .optional()
      .describe('Deploy to this account and region. Default: the CLI’s.'),
    orchestrator: z
      .strictObject({
        archiveRetentionDays: z.number().int().min(1).default(400),
        auditLogRetentionDays: retentionDays.default(400),
        functionLogRetentionDays: retentionDays.default(90),
        alertEmails: z.array(z.email()).default([]),
        endpointOverrides: z
          .record(z.enum(PROVIDER_IDS as [string, ...string[]]), z.url())
          .default({})
          .describe('ROTOR_ENDPOINT_<PROVIDER>: test servers and egress proxies only.'),
      })
      .prefault({}),
    enforcer: z
      .strictObject({
        schedule: boundedDuration('PT5M', 'P1D', { ms: Durations.MINUTE, name: 'minutes' })
          .default('PT1H')
          .describe('How often the expiration-policy sweep runs (EventBridge Scheduler rate).'),
        stuckRotationAfter: boundedDuration('PT30M', 'P7D')
          .default('PT2H')
          .describe('A rotation whose AWSPENDING has not moved for this long is cleared.'),
        orphanDelay: boundedDuration('PT1H', 'P30D')
          .default('PT24H')
          .describe('Unreferenced provider keys younger than this are left alone.'),
        writesPerSecond: z
          .number()
          .int()
          .min(1)
          .max(50)
          .default(45)
          .describe('Secrets Manager writes per second; the account quota (50) is shared.'),
        providerConcurrency: z
          .number()
          .int()
          .min(1)
          .max(32)
          .default(4)
          .describe('Provider calls in flight at once, per provider.'),
      })
      .prefault({})
      .describe('The expiration-policy enforcer (docs/enforcer.md).'),
    leakEndpoint: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe('Deploy the leak webhook (a public Function URL, HMAC-verified).'),
        searchWindow: boundedDuration('P1D', 'P400D')
          .default('P120D')
          .describe('How far back the fingerprint search looks: at least the longest maxAge plus grace.'),
      })
      .prefault({})
      .describe('The leak-response webhook (docs/leak-response.md).'),
    adminSecrets: z
      .record(
        z.string().regex(/^[\w/+=.@-]{1,512}$/, 'must be a Secrets Manager name'),
        z.strictObject({
          existing: z
            .boolean()
            .default(false)
            .describe('Import a secret that already exists instead of creating it.'),
        }),
      )
      .default({})
      .describe(
        'Admin credentials by secret name. The stack creates them blank; an operator sets the value.',
      ),
    keys: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'must be a key id: letters, digits and dashes'),
        keySchema,
      )
      .default({})
      .describe('Managed keys by id, in the order they are assigned to stacks: append new keys at the end.'),
  })
  .superRefine((config, context) => {
    const names = new Map<string, string>();
    for (const [id, key] of Object.entries(config.keys)) {
      if (!(key.adminSecret in config.adminSecrets)) {
        context.addIssue({
          code: 'custom',
          path: ['keys', id, 'adminSecret'],
          message: `"${key.adminSecret}" is not declared under adminSecrets`,
        });
      }
      const name = key.secretName ?? `rotor/${id}`;
      const other = names.get(name);
      if (other !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['keys', id, 'secretName'],
          message: `"${name}" is also the secret of key "${other}"`,
        });
      }
      names.set(name, id);
    }
  });

/** The validated config, defaults applied. */
export type RotorConfig = z.output<typeof rotorConfigSchema>;
/** The config as written in the file. */
export type RotorConfigInput = z.input<typeof rotorConfigSchema>;
export type ManagedKeyConfig = RotorConfig['keys'][string];

/** The config file is not valid: the message lists every problem with its path (`keys.newsletter.grace`). */
export class RotorConfigError extends RotorError {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid Rotor config ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Validates a parsed config; throws RotorConfigError naming every bad field. */
export function parseConfig(input: unknown, source = '(inline)'): RotorConfig {
  const result = rotorConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new RotorConfigError(
    source,
    result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`),
  );
}

/** Reads and validates a config file. */
export function loadConfig(file: string): RotorConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RotorConfigError(file, [`cannot be read as JSON: ${(error as Error).message}`]);
  }
  return parseConfig(parsed, file);
}

/** The JSON Schema of the config file (config/rotor.schema.json), for editors. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(rotorConfigSchema, { io: 'input', unrepresentable: 'any' });
}
