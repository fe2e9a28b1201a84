import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig, RotorConfigError } from '../lib/config';
import { buildRotorApp } from '../lib/rotor-app';

/**
 * The CDK app: `cdk synth` / `cdk deploy --all`. Reads the declarative config
 * from `-c config=<path>`, else config/rotor.json, else the shipped example.
 */
function configPath(app: App): string {
  const fromContext = app.node.tryGetContext('config') as string | undefined;
  if (fromContext) return path.resolve(fromContext);
  const own = path.join(__dirname, '..', 'config', 'rotor.json');
  return existsSync(own) ? own : path.join(__dirname, '..', 'config', 'rotor.example.json');
}

const app = new App();
try {
  buildRotorApp(app, loadConfig(configPath(app)));
} catch (error) {
  if (!(error instanceof RotorConfigError)) throw error;
  // A config mistake is the user's to fix: say what is wrong, not where in Rotor it was found.
  console.error(error.message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
