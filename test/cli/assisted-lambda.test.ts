import { Readable } from 'node:stream';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AssistedFunctionError,
  AssistedInvokeError,
  LambdaAssistedService,
} from '../../lambdas/cli/assisted-service';
import { awsServices } from '../../lambdas/cli/aws-services';
import { runCli } from '../../lambdas/cli/program';
import type { GlobalOptions } from '../../lambdas/cli/services';
import { Sink } from './cli-harness';

const lambda = mockClient(LambdaClient);
const KEY = 'pd-key-0f1e2d3c4b5a69788796a5b4';

/** A Lambda Invoke answer: the payload as the Node.js runtime serialises it. */
function answer(body: unknown, functionError?: string) {
  return {
    StatusCode: 200,
    Payload: Buffer.from(JSON.stringify(body)) as unknown as InvokeCommandOutput['Payload'],
    ...(functionError ? { FunctionError: functionError } : {}),
  };
}

/** `rotor <args>` over the real AWS services, with the Lambda client mocked. */
async function rotor(args: readonly string[], io: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = new Sink();
  const stderr = new Sink();
  const connections: GlobalOptions[] = [];
  const exitCode = await runCli(['node', 'rotor', '--region', 'us-east-1', ...args], {
    stdout,
    stderr,
    stdin: Readable.from([Buffer.from(io.stdin ?? '')]),
    env: io.env ?? {},
    connect: (options) => {
      connections.push(options);
      return awsServices(options);
    },
  });
  return { exitCode, stdout: stdout.text, stderr: stderr.text, connections };
}

function invocations() {
  return lambda.commandCalls(InvokeCommand).map((call) => {
    const input = call.args[0].input;
    return { ...input, Payload: JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8')) };
  });
}

beforeEach(() => lambda.reset());
afterEach(() => lambda.reset());

describe('assisted rotation over AWS (the assisted function)', () => {
  it('supply invokes the default stack’s function synchronously with the key from stdin', async () => {
    lambda.on(InvokeCommand).resolves(
      answer({
        versionId: 'manual-1',
        keyId: 'PD1',
        fingerprint: 'sha256:0123456789abcdef',
        verified: false,
        expiresAt: '2027-01-18T19:00:00.000Z',
      }),
    );

    const result = await rotor(['supply', 'ops/pagerduty', '--key-id', 'PD1'], { stdin: `${KEY}\n` });

    expect(result.exitCode).toBe(0);
    expect(invocations()).toEqual([
      {
        FunctionName: 'rotor-assisted',
        InvocationType: 'RequestResponse',
        Payload: { action: 'supply', secretId: 'ops/pagerduty', apiKey: KEY, keyId: 'PD1' },
      },
    ]);
    expect(result.stdout).toBe(
      'ops/pagerduty: key PD1 (sha256:0123456789abcdef) is now current, not verified (the provider has no read call)\n',
    );
    expect(`${result.stdout}${result.stderr}`).not.toContain(KEY);
  });

  it('confirm-revoked sends the secret and the key id, and no key', async () => {
    lambda
      .on(InvokeCommand)
      .resolves(answer({ outcome: 'confirmed', keyId: 'PD1', fingerprint: 'sha256:1' }));

    const result = await rotor(['confirm-revoked', 'ops/pagerduty', '--key-id', 'PD1']);

    expect(result.exitCode).toBe(0);
    expect(invocations().map((call) => call.Payload)).toEqual([
      { action: 'confirm-revoked', secretId: 'ops/pagerduty', keyId: 'PD1' },
    ]);
    expect(result.stdout).toBe('ops/pagerduty: recorded key PD1 as revoked\n');
  });

  it('invokes the function named by ROTOR_ASSISTED_FUNCTION, and --assisted-function over it', async () => {
    lambda.on(InvokeCommand).resolves(answer({ outcome: 'nothing-to-confirm' }));

    await rotor(['confirm-revoked', 'ops/pagerduty'], {
      env: { ROTOR_ASSISTED_FUNCTION: 'staging-assisted' },
    });
    await rotor(['--assisted-function', 'other-assisted', 'confirm-revoked', 'ops/pagerduty'], {
      env: { ROTOR_ASSISTED_FUNCTION: 'staging-assisted' },
    });

    expect(invocations().map((call) => call.FunctionName)).toEqual(['staging-assisted', 'other-assisted']);
  });

  it('surfaces a function error as AssistedFunctionError with the remote error name, exit 1', async () => {
    lambda.on(InvokeCommand).resolves(
      answer(
        {
          errorType: 'AssistedRevocationPendingError',
          errorMessage: 'Key PD1 of ops/pagerduty is still live',
          trace: [],
        },
        'Unhandled',
      ),
    );

    const result = await rotor(['supply', 'ops/pagerduty'], { stdin: KEY });

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      'rotor: AssistedFunctionError: AssistedRevocationPendingError: Key PD1 of ops/pagerduty is still live\n',
    );
  });

  it('never lets the key through a function error, even one that quoted it', async () => {
    lambda
      .on(InvokeCommand)
      .resolves(answer({ errorType: 'Error', errorMessage: `bad key ${KEY} refused` }, 'Unhandled'));
    const service = new LambdaAssistedService(new LambdaClient({ region: 'us-east-1' }), 'rotor-assisted');

    const failure = await service.supply({ secretId: 'ops/pagerduty', apiKey: KEY }).catch((error) => error);

    expect(failure).toBeInstanceOf(AssistedFunctionError);
    expect(failure.remoteName).toBe('Error');
    expect(failure.message).toBe('Error: bad key [redacted] refused');
    expect(JSON.stringify({ message: failure.message, stack: failure.stack })).not.toContain(KEY);
  });

  it('reports an invoke the operator may not make as AssistedInvokeError naming the function', async () => {
    lambda.on(InvokeCommand).rejects(
      Object.assign(new Error('not authorized to perform: lambda:InvokeFunction'), {
        name: 'AccessDeniedException',
      }),
    );
    const service = new LambdaAssistedService(new LambdaClient({ region: 'us-east-1' }), 'rotor-assisted');

    const failure = await service.supply({ secretId: 'ops/pagerduty', apiKey: KEY }).catch((error) => error);

    expect(failure).toBeInstanceOf(AssistedInvokeError);
    expect(failure.message).toMatch(/^Could not invoke rotor-assisted \(AccessDeniedException\)/);
    expect(failure.message).not.toContain(KEY);
  });
});

describe('the CLI’s defaults', () => {
  it('name the default stack’s audit log group, bus and assisted function', async () => {
    lambda.on(InvokeCommand).resolves(answer({ outcome: 'nothing-to-confirm' }));
    const { connections } = await rotor(['confirm-revoked', 'ops/pagerduty']);
    expect(connections[0]).toMatchObject({
      auditLogGroup: '/aws/events/Rotor/rotor-audit',
      assistedFunction: 'rotor-assisted',
    });
  });

  it('take ROTOR_AUDIT_LOG_GROUP from the environment', async () => {
    lambda.on(InvokeCommand).resolves(answer({ outcome: 'nothing-to-confirm' }));
    const { connections } = await rotor(['confirm-revoked', 'ops/pagerduty'], {
      env: { ROTOR_AUDIT_LOG_GROUP: '/aws/events/Staging/rotor-audit' },
    });
    expect(connections[0]).toMatchObject({
      auditLogGroup: '/aws/events/Staging/rotor-audit',
    });
  });
});
