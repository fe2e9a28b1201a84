import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { InMemoryEventPublisher } from '../lambdas/adapters/in-memory-event-publisher';
import { InMemorySecretStore } from '../lambdas/adapters/in-memory-secret-store';
import { ROTATION_STEPS, runRotationStep } from '../lambdas/domain/rotation';
import { placeholderValue } from '../lambdas/domain/secret-value';
import { createRegistry } from '../lambdas/providers';
import { sendgrid } from '../lambdas/providers/sendgrid';
import { startSendGridFake } from '../test/providers/fakes/sendgrid-fake';

/**
 * Issue 2's figures: AWS and provider calls for one full rotation, and the
 * rotation function's bundle size and load time against a bundle holding only
 * the AWS SDK clients it uses.
 */
export async function run(): Promise<void> {
  await callsPerRotation();
  await bundleFigures();
}

async function callsPerRotation(): Promise<void> {
  const fake = await startSendGridFake();
  try {
    const store = new InMemorySecretStore();
    const events = new InMemoryEventPublisher();
    const deps = {
      store,
      events,
      clock: { now: () => new Date(), sleep: async () => undefined },
      providers: {
        registry: createRegistry([sendgrid]),
        endpointOverride: (provider: string) => (provider === 'sendgrid' ? fake.server.url : undefined),
      },
    };
    store.createSecret({ name: 'rotor/admin/sendgrid', secretString: fake.adminCredential });
    const secretId = store.createSecret({
      name: 'payments/sendgrid',
      secretString: placeholderValue('sendgrid'),
      rotationLambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:rotor-rotation',
      tags: {
        'rotor:provider': 'sendgrid',
        'rotor:admin-secret': 'rotor/admin/sendgrid',
        'rotor:scopes': 'mail.send',
      },
    });
    const rotate = async () => {
      const { versionId } = await store.rotate(secretId);
      const perStep: number[] = [];
      for (const step of ROTATION_STEPS) {
        const before = events.requests;
        await runRotationStep(deps, { step, secretId, token: versionId });
        perStep.push(events.requests - before);
      }
      return perStep;
    };

    await rotate(); // bootstrap: mints the first key
    {
      const label = 'bootstrap excluded; steady-state rotation';
      store.resetCalls();
      const requestsBefore = fake.server.requests.length;
      const perStep = await rotate();
      const calls = Object.fromEntries([...store.calls.entries()].filter(([op]) => op !== 'RotateSecret'));
      const total = Object.values(calls).reduce((sum, count) => sum + count, 0);
      const providerRequests = fake.server.requests.slice(requestsBefore);
      console.log(`Secrets Manager calls for one full rotation (${label}), by API:`);
      for (const [api, count] of Object.entries(calls)) console.log(`  ${api.padEnd(26)} ${count}`);
      console.log(`  ${'total'.padEnd(26)} ${total}   (goal: <= 10, admin-credential read included)`);
      console.log(
        `PutEvents requests per step (${ROTATION_STEPS.join(', ')}): ${perStep.join(', ')}   (goal: <= 1 each)`,
      );
      const byKind = {
        create: providerRequests.filter(fake.isCreate).length,
        verify: providerRequests.filter(fake.isVerify).length,
        list: providerRequests.filter(fake.isList).length,
        revoke: providerRequests.filter(fake.isRevoke).length,
      };
      console.log(
        `Provider calls for one successful rotation: create ${byKind.create}, verify ${byKind.verify}, list ${byKind.list}, revoke ${byKind.revoke}   (goal: one create and one verify)`,
      );
    }
  } finally {
    await fake.close();
  }
}

async function bundleFigures(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-bench-'));
  const baselineEntry = join(dir, 'sdk-only.ts');
  // The same clients the rotation function creates, and nothing else.
  writeFileSync(
    baselineEntry,
    [
      `import { SecretsManagerClient } from '${join(process.cwd(), 'node_modules/@aws-sdk/client-secrets-manager')}';`,
      `import { EventBridgeClient } from '${join(process.cwd(), 'node_modules/@aws-sdk/client-eventbridge')}';`,
      'export const clients = [new SecretsManagerClient({}), new EventBridgeClient({})];',
      'export const handler = async () => clients.length;',
    ].join('\n'),
  );
  const bundle = async (entry: string, outfile: string) => {
    // The same options as the stack's NodejsFunction: minified, SDK bundled, Node 22 target.
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      logLevel: 'silent',
      mainFields: ['module', 'main'],
    });
    return statSync(outfile).size;
  };
  const rotationFile = join(dir, 'rotation.js');
  const baselineFile = join(dir, 'sdk-only.js');
  const rotationSize = await bundle(join(process.cwd(), 'lambdas/handlers/rotation.ts'), rotationFile);
  const baselineSize = await bundle(baselineEntry, baselineFile);
  console.log(
    `Rotation function bundle (minified, SDK clients bundled): ${(rotationSize / 1024).toFixed(0)} KiB`,
  );
  console.log(
    `SDK-clients-only bundle (same options):                  ${(baselineSize / 1024).toFixed(0)} KiB`,
  );

  const loadMs = (file: string) => {
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    return Number(
      // --no-warnings: the SDK warns on Node 20 about its Node 22 requirement; Lambda runs Node 22, where it is silent.
      execFileSync(process.execPath, ['--no-warnings', '-e', script], {
        env: { ...process.env, EVENT_BUS_NAME: 'rotor-audit', AWS_REGION: 'us-east-1' },
      }).toString(),
    );
  };
  const runs = 21;
  const rotationTimes: number[] = [];
  const baselineTimes: number[] = [];
  // Interleaved, so machine noise affects both alike.
  for (let i = 0; i < runs; i++) {
    rotationTimes.push(loadMs(rotationFile));
    baselineTimes.push(loadMs(baselineFile));
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const rotation = median(rotationTimes);
  const baseline = median(baselineTimes);
  console.log(
    `Module load time, median of ${runs} fresh processes: rotation ${rotation.toFixed(1)} ms, SDK clients only ${baseline.toFixed(1)} ms`,
  );
  console.log(`Ratio: ${(rotation / baseline).toFixed(2)}x   (goal: <= 1.3x)`);
}
