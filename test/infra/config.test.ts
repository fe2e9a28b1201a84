import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { configJsonSchema, loadConfig, parseConfig, RotorConfigError } from '../../lib/config';
import type { ManagedKeyOptions } from '../../lib/managed-key';
import { ManagedKeyDeclarationError } from '../../lib/managed-key-spec';
import type { AdminSecret, RotorOrchestrator } from '../../lib/orchestrator';
import { RotorStack } from '../../lib/rotor-app';
import { EXAMPLE_CONFIG, exampleApp, sendgridKey } from './fixtures';

/** The problems reported for a config with one key, `newsletter`, built from `overrides`. */
function problemsOf(overrides: Record<string, unknown>, extra: Record<string, unknown> = {}): string[] {
  try {
    parseConfig({
      adminSecrets: { 'rotor/admin/sendgrid': {} },
      keys: { newsletter: sendgridKey(overrides) },
      ...extra,
    });
  } catch (error) {
    if (error instanceof RotorConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('config validation', () => {
  it('accepts the shipped example', () => {
    expect(() => loadConfig(EXAMPLE_CONFIG)).not.toThrow();
  });

  it('accepts a valid key', () => {
    expect(problemsOf({})).toEqual([]);
  });

  it('names the key and the field of an unknown provider', () => {
    expect(problemsOf({ provider: 'acme' })).toEqual([
      expect.stringMatching(
        /^keys\.newsletter\.provider: "acme" is not a known provider \(known: .*sendgrid/,
      ),
    ]);
  });

  it('refuses a schedule under 4 hours', () => {
    expect(problemsOf({ schedule: { every: 'PT2H' }, grace: 'PT1H' })).toEqual([
      expect.stringMatching(/^keys\.newsletter\.schedule\.every: .*no less than every 4 hours/),
    ]);
  });

  it('refuses a cron schedule that fires more often than every 4 hours', () => {
    expect(problemsOf({ schedule: { cron: 'cron(0 */2 * * ? *)' }, grace: 'PT1H' })).toEqual([
      expect.stringMatching(/^keys\.newsletter\.schedule\.cron: /),
    ]);
  });

  it('refuses a grace period not shorter than the rotation interval', () => {
    expect(problemsOf({ schedule: { every: 'P7D' }, grace: 'P7D' })).toEqual([
      'keys.newsletter.grace: (P7D) must be shorter than the rotation interval (P7D)',
    ]);
  });

  it('refuses a max age not longer than the rotation interval', () => {
    expect(problemsOf({ schedule: { every: 'P30D' }, maxAge: 'P30D' })).toEqual([
      'keys.newsletter.maxAge: (P30D) must be longer than the rotation interval (P30D)',
    ]);
  });

  it('measures max age against the longest gap of a cron schedule', () => {
    // First of the month: gaps of 28 to 31 days.
    expect(problemsOf({ schedule: { cron: 'cron(0 4 1 * ? *)' }, maxAge: 'P30D' })).toEqual([
      expect.stringMatching(
        /^keys\.newsletter\.maxAge: \(P30D\) must be longer than the rotation interval \(P31D\)/,
      ),
    ]);
  });

  it('names a duration that is not ISO-8601', () => {
    expect(problemsOf({ grace: '24h' })).toEqual([
      expect.stringMatching(/^keys\.newsletter\.grace: must be an ISO-8601/),
    ]);
  });

  it('refuses an admin secret that is not declared', () => {
    expect(problemsOf({ adminSecret: 'rotor/admin/typo' })).toEqual([
      'keys.newsletter.adminSecret: "rotor/admin/typo" is not declared under adminSecrets',
    ]);
  });

  it('refuses a setting that cannot be a tag value', () => {
    expect(problemsOf({ settings: { scopes: 'mail.send,alerts.read' } })).toEqual([
      expect.stringMatching(/^keys\.newsletter\.settings\.scopes: must be at most 256 letters/),
    ]);
  });

  it('refuses a setting that would overwrite a policy tag', () => {
    expect(problemsOf({ settings: { grace: 'P1D' } })).toEqual([
      expect.stringMatching(/^keys\.newsletter\.settings\.grace: is not a provider setting name/),
    ]);
  });

  it('refuses unknown fields, naming them', () => {
    expect(problemsOf({ graceperiod: 'P1D' })).toEqual([
      expect.stringMatching(/^keys\.newsletter: .*graceperiod/),
    ]);
  });

  it('refuses two keys sharing a secret name', () => {
    const problems = problemsOf(
      {},
      { keys: { a: sendgridKey({ secretName: 'same' }), b: sendgridKey({ secretName: 'same' }) } },
    );
    expect(problems).toEqual(['keys.b.secretName: "same" is also the secret of key "a"']);
  });

  it('refuses a log retention CloudWatch does not offer', () => {
    expect(problemsOf({}, { orchestrator: { auditLogRetentionDays: 42 } })).toEqual([
      expect.stringMatching(/^orchestrator\.auditLogRetentionDays: must be one of/),
    ]);
  });

  it('refuses an enforcer schedule that is not whole minutes', () => {
    expect(problemsOf({}, { enforcer: { schedule: 'PT90S' } })).toEqual([
      'enforcer.schedule: must be between PT5M and P1D',
    ]);
    expect(problemsOf({}, { enforcer: { schedule: 'PT5M30S' } })).toEqual([
      'enforcer.schedule: must be whole minutes',
    ]);
  });

  it('refuses more Secrets Manager writes per second than the account quota', () => {
    expect(problemsOf({}, { enforcer: { writesPerSecond: 60 } })).toEqual([
      expect.stringMatching(/^enforcer\.writesPerSecond: /),
    ]);
  });

  it('refuses a stack name too long for the names derived from it', () => {
    expect(problemsOf({}, { stackName: `R${'o'.repeat(55)}` })).toEqual([
      expect.stringMatching(/^stackName: must be a CloudFormation stack name of at most 55 characters/),
    ]);
  });

  it('defaults to an hourly enforcer and an enabled leak endpoint', () => {
    const config = parseConfig({});
    expect(config.enforcer).toEqual({
      schedule: 'PT1H',
      stuckRotationAfter: 'PT2H',
      orphanDelay: 'PT24H',
      writesPerSecond: 45,
      providerConcurrency: 4,
    });
    expect(config.leakEndpoint).toEqual({ enabled: true, searchWindow: 'P120D' });
  });

  it('reports a file that is not JSON with its path', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rotor-config-')), 'broken.json');
    writeFileSync(file, '{ "keys": ');
    expect(() => loadConfig(file)).toThrow(new RegExp(`Invalid Rotor config ${file}`));
  });

  it('ships a JSON Schema in step with the validator', () => {
    const shipped = JSON.parse(
      readFileSync(path.join(path.dirname(EXAMPLE_CONFIG), 'rotor.schema.json'), 'utf8'),
    );
    expect(shipped).toEqual(configJsonSchema());
  });
});

describe('ManagedKey declared in code', () => {
  let rotor: RotorOrchestrator;
  let stack: Stack;

  beforeAll(() => {
    const app = new App();
    rotor = new RotorStack(app, 'Rotor').orchestrator;
    stack = Stack.of(rotor);
    rotor.addAdminSecret('rotor/admin/sendgrid');
  });

  const declare = (id: string, overrides: Record<string, unknown>) => () =>
    rotor.manageKey(stack, id, {
      ...(sendgridKey(overrides) as unknown as ManagedKeyOptions),
      adminSecret: rotor.adminSecret('rotor/admin/sendgrid') as AdminSecret,
    });

  it('fails synth naming the key and the field of an unknown provider', () => {
    expect(declare('unknown', { provider: 'acme' })).toThrow(
      new ManagedKeyDeclarationError('unknown', 'provider', '').message.replace(/ $/, ''),
    );
  });

  it('fails synth on a schedule under 4 hours', () => {
    expect(declare('fast', { schedule: { every: 'PT3H' }, grace: 'PT1H' })).toThrow(
      /Managed key "fast": schedule\.every .*4 hours/,
    );
  });

  it('fails synth on a grace period not shorter than the interval', () => {
    expect(declare('graceful', { grace: 'P30D' })).toThrow(/Managed key "graceful": grace/);
  });

  it('fails synth on a max age not longer than the interval', () => {
    expect(declare('ageless', { maxAge: 'P20D' })).toThrow(/Managed key "ageless": maxAge/);
  });
});

/**
 * The function's asset key is a hash of the bundle, which moves whenever the
 * lambdas/ sources do; both sides bundle the same entry, so compare the rest.
 */
function withoutAssetKeys(resources: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(resources).replace(/"S3Key":"[0-9a-f]{64}\.zip"/g, '"S3Key":"<asset>"'));
}

describe('config and code', () => {
  it('produce the same resources', () => {
    const fromConfig = Template.fromStack(exampleApp().rotor.core).toJSON();

    const app = new App();
    const stack = new RotorStack(app, 'Rotor', {
      rotor: { alertEmails: ['platform-alerts@example.com'] },
    });
    const rotor = stack.orchestrator;
    const admin = rotor.addAdminSecret('rotor/admin/sendgrid');
    rotor.manageKey(stack, 'newsletter', {
      secretName: 'prod/newsletter/sendgrid',
      provider: 'sendgrid',
      adminSecret: admin,
      schedule: { every: 'P30D', window: 'PT4H' },
      grace: 'PT24H',
      maxAge: 'P45D',
      unusedAfter: 'P14D',
      settings: { scopes: 'mail.send', region: 'global' },
      readerArns: ['arn:aws:iam::123456789012:role/newsletter-service'],
    });
    rotor.manageKey(stack, 'receipts', {
      secretName: 'prod/receipts/sendgrid',
      provider: 'sendgrid',
      adminSecret: admin,
      schedule: { cron: 'cron(0 3 ? * MON *)', window: 'PT2H' },
      grace: 'PT12H',
      maxAge: 'P10D',
      unusedAction: 'notify',
      settings: { scopes: 'mail.send mail.batch.read' },
    });
    rotor.manageKey(stack, 'metrics', {
      secretName: 'prod/metrics/datadog',
      provider: 'datadog',
      adminSecret: rotor.addAdminSecret('rotor/admin/datadog'),
      schedule: { every: 'P30D', window: 'PT4H' },
      grace: 'PT24H',
      maxAge: 'P45D',
      settings: { site: 'eu1', 'key-type': 'api' },
    });
    const fromCode = Template.fromStack(stack).toJSON();

    expect(withoutAssetKeys(fromCode.Resources)).toEqual(withoutAssetKeys(fromConfig.Resources));
  }, 120_000);
});
