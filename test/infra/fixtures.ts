import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig, parseConfig, type RotorConfigInput } from '../../lib/config';
import { buildRotorApp, type RotorApp } from '../../lib/rotor-app';

export const EXAMPLE_CONFIG = path.join(__dirname, '..', '..', 'config', 'rotor.example.json');

/** The shipped example config, built into a fresh app. */
export function exampleApp(): { app: App; rotor: RotorApp } {
  const app = new App();
  return { app, rotor: buildRotorApp(app, loadConfig(EXAMPLE_CONFIG)) };
}

/** A valid key declaration to vary in tests. */
export function sendgridKey(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: 'sendgrid',
    adminSecret: 'rotor/admin/sendgrid',
    schedule: { every: 'P30D' },
    settings: { scopes: 'mail.send' },
    ...overrides,
  };
}

/** A config of `count` SendGrid keys named key0, key1, … */
export function fleetConfig(count: number): RotorConfigInput {
  const keys: Record<string, unknown> = {};
  for (let index = 0; index < count; index++) keys[`key${index}`] = sendgridKey();
  return { adminSecrets: { 'rotor/admin/sendgrid': {} }, keys } as RotorConfigInput;
}

export function fleetApp(count: number): { app: App; rotor: RotorApp } {
  const app = new App();
  return { app, rotor: buildRotorApp(app, parseConfig(fleetConfig(count))) };
}
