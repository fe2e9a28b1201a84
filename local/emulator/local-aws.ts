import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import { errorSummary } from '../../lambdas/domain/audit-events';
import { type Clock, systemClock } from '../../lambdas/domain/ports';
import { AwsServiceError } from './aws-error';
import { LocalEventBus, type LogGroupRule } from './event-bus';
import { LocalLambda } from './lambda';
import { LocalLogs } from './logs';
import { SecretsManagerEmulator } from './secrets-manager';

/** The steps Secrets Manager invokes a rotation function with, in order. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** A rotation whose step failed: Secrets Manager's RotationFailed, as local mode reports it. */
export interface RotationFailure {
  readonly secretArn: string;
  readonly token: string;
  readonly step: string;
  readonly error: { readonly name: string; readonly message: string };
}

export interface LocalAwsOptions {
  /** Loopback port; 0 picks a free one. */
  readonly port?: number;
  readonly region?: string;
  readonly accountId?: string;
  readonly eventBusName: string;
  /** Log groups that exist from the start (the stack's). */
  readonly logGroups?: readonly string[];
  /** The bus's rules into log groups (the stack's AuditToLogs). */
  readonly rules?: readonly LogGroupRule[];
  /** Secrets Manager's dates and the bus's default event time follow this clock. */
  readonly clock?: Clock;
  /**
   * Also shows each line the functions write (they always land in their log
   * groups, `/aws/lambda/<name>`, as in AWS).
   */
  readonly echoFunctionLogs?: (functionName: string, line: string) => void;
}

/**
 * A small AWS for one process, on loopback: Secrets Manager, EventBridge and
 * CloudWatch Logs speak the AWS JSON 1.1 protocol (X-Amz-Target, content type
 * application/x-amz-json-1.1, `__type` errors), Lambda's Invoke its REST-JSON
 * protocol, so the AWS SDK (and so the real handler modules) reach it through
 * AWS_ENDPOINT_URL unchanged. SigV4 headers are accepted, not verified.
 * Functions also get a Function URL at `/lambda-url/<name>/`.
 */
export class LocalAws {
  readonly store: InMemorySecretStore;
  readonly secretsManager: SecretsManagerEmulator;
  readonly logs: LocalLogs;
  readonly bus: LocalEventBus;
  readonly lambda: LocalLambda;
  readonly region: string;
  readonly accountId: string;
  readonly rotationFailures: RotationFailure[] = [];
  /** Requests served, as `service.Operation` (never their bodies: they hold secret values). */
  readonly requests: string[] = [];
  private server?: Server;
  private url?: string;

  private constructor(options: LocalAwsOptions) {
    const clock = options.clock ?? systemClock;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.logs = new LocalLogs(clock);
    this.lambda = new LocalLambda(this.region, this.accountId, (group, stream, line) => {
      this.logs.ensureGroup(group);
      this.logs.append(group, stream, clock.now().getTime(), line);
      options.echoFunctionLogs?.(group.replace('/aws/lambda/', ''), line);
    });
    this.store = new InMemorySecretStore({
      clock,
      region: this.region,
      accountId: this.accountId,
      onRotate: (arn, token) => this.runRotation(arn, token),
    });
    this.secretsManager = new SecretsManagerEmulator(this.store, clock);
    for (const group of options.logGroups ?? []) this.logs.ensureGroup(group);
    for (const rule of options.rules ?? []) this.logs.ensureGroup(rule.logGroupName);
    this.bus = new LocalEventBus({
      eventBusName: options.eventBusName,
      region: this.region,
      accountId: this.accountId,
      clock,
      logs: this.logs,
      rules: options.rules ?? [],
    });
  }

  /** Starts the emulator on 127.0.0.1. */
  static async start(options: LocalAwsOptions): Promise<LocalAws> {
    const aws = new LocalAws(options);
    await aws.listen(options.port ?? 0);
    return aws;
  }

  /** `http://127.0.0.1:<port>`: AWS_ENDPOINT_URL, or the rotor CLI's `--endpoint-url`. */
  get endpoint(): string {
    if (!this.url)
      throw new AwsServiceError('ServiceUnavailable', 'The local AWS emulator is not listening', 503);
    return this.url;
  }

  /** The Function URL of a registered function. */
  functionUrl(name: string): string {
    return `${this.endpoint}/lambda-url/${encodeURIComponent(name)}/`;
  }

  /** Waits until every rotation and asynchronous invocation started so far has finished. */
  async settle(): Promise<void> {
    await this.store.settle();
    await this.lambda.settle();
    // A rotation may have queued an invoke, or an invoke started a rotation.
    await this.store.settle();
  }

  /**
   * Secrets Manager's rotation schedule: starts a rotation (with a fresh
   * token, as the service does) of every secret whose NextRotationDate has
   * passed. Returns the ARNs rotated.
   */
  async rotateDueSecrets(now: Date): Promise<string[]> {
    const due: string[] = [];
    for (const arn of this.store.secretArns()) {
      const secret = await this.store.describe(arn);
      if (!secret.rotationEnabled || !secret.nextRotationDate) continue;
      if (secret.nextRotationDate.getTime() > now.getTime()) continue;
      await this.store.rotate(arn, randomUUID());
      due.push(arn);
    }
    return due;
  }

  async close(): Promise<void> {
    await this.settle();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  /** What Secrets Manager does after RotateSecret: the four steps, each awaited; a failed step ends the attempt. */
  private async runRotation(secretArn: string, token: string): Promise<void> {
    const { rotationLambdaArn } = await this.store.describe(secretArn);
    for (const step of ROTATION_STEPS) {
      try {
        await this.lambda.invoke(rotationLambdaArn ?? '', {
          Step: step,
          SecretId: secretArn,
          ClientRequestToken: token,
        });
      } catch (error) {
        this.rotationFailures.push({ secretArn, token, step, error: errorSummary(error) });
        return;
      }
    }
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((request, response) => {
      void this.serve(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    try {
      const target = header(request, 'x-amz-target');
      if (target !== undefined) return await this.serveJson(target, body, response);
      const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(path);
      if (invoke && request.method === 'POST') {
        this.requests.push('lambda.Invoke');
        const result = await this.lambda.handleInvoke(
          invoke[1] as string,
          header(request, 'x-amz-invocation-type'),
          body,
        );
        response.writeHead(result.status, { 'content-type': 'application/json', ...result.headers });
        response.end(result.body);
        return;
      }
      const url = /^\/lambda-url\/([^/]+)(\/.*)?$/.exec(path);
      if (url)
        return await this.serveFunctionUrl(
          decodeURIComponent(url[1] as string),
          url[2] ?? '/',
          request,
          body,
          response,
        );
      throw new AwsServiceError(
        'UnknownOperationException',
        `No emulated service answers ${request.method} ${path}`,
        404,
      );
    } catch (error) {
      const failure =
        error instanceof AwsServiceError
          ? error
          : new AwsServiceError('InternalFailure', errorSummary(error).message, 500);
      response.writeHead(failure.statusCode, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-errortype': failure.type,
        'x-amzn-requestid': randomUUID(),
      });
      response.end(JSON.stringify({ __type: failure.type, message: failure.message }));
    }
  }

  private async serveJson(target: string, body: string, response: ServerResponse): Promise<void> {
    const [prefix, operation = ''] = target.split('.');
    let input: Record<string, unknown>;
    try {
      input = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
    } catch {
      throw new AwsServiceError('SerializationException', 'The request body is not JSON');
    }
    let output: unknown;
    switch (prefix) {
      case 'secretsmanager':
        this.requests.push(`secretsmanager.${operation}`);
        output = await this.secretsManager.handle(operation, input);
        break;
      case 'AWSEvents':
        this.requests.push(`events.${operation}`);
        output = await this.bus.handle(operation, input);
        break;
      case 'Logs_20140328':
        this.requests.push(`logs.${operation}`);
        output = await this.logs.handle(operation, input);
        break;
      default:
        throw new AwsServiceError('UnknownOperationException', `X-Amz-Target ${target} is not emulated`);
    }
    response.writeHead(200, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
    });
    response.end(JSON.stringify(output ?? {}));
  }

  /** A Function URL: the request as a payload format 2.0 event, the function's result as the response. */
  private async serveFunctionUrl(
    name: string,
    rawPath: string,
    request: IncomingMessage,
    body: string,
    response: ServerResponse,
  ): Promise<void> {
    this.requests.push('lambda.FunctionUrl');
    const now = new Date();
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([key, value]) => [
        key,
        Array.isArray(value) ? value.join(',') : (value ?? ''),
      ]),
    );
    const query = new URL(request.url ?? '/', 'http://127.0.0.1').search.slice(1);
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath,
      rawQueryString: query,
      headers,
      body,
      isBase64Encoded: false,
      requestContext: {
        accountId: 'anonymous',
        apiId: name,
        domainName: headers.host ?? '127.0.0.1',
        domainPrefix: name,
        http: {
          method: request.method ?? 'GET',
          path: rawPath,
          protocol: 'HTTP/1.1',
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: '$default',
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
      },
    };
    let result: unknown;
    try {
      result = await this.lambda.invoke(name, event);
    } catch (error) {
      if (error instanceof AwsServiceError) throw error;
      // A function error is a 502 at a Function URL; its message stays in the function's log.
      response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Message: 'Internal Server Error' }));
      return;
    }
    const structured =
      typeof result === 'object' && result !== null && 'statusCode' in result
        ? (result as { statusCode: number; headers?: Record<string, string>; body?: string })
        : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
    response.writeHead(structured.statusCode, structured.headers ?? {});
    response.end(structured.body ?? '');
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
