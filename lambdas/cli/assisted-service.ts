import {
  InvocationType,
  InvokeCommand,
  type InvokeCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  type ConfirmAssistedRevocationRequest,
  type ConfirmAssistedRevocationResult,
  confirmAssistedRevocation,
  type SupplyAssistedKeyRequest,
  type SupplyAssistedKeyResult,
  supplyAssistedKey,
} from '../domain/assisted-flow';
import { RotorError } from '../domain/errors';
import type { RotationDeps } from '../domain/rotation';
import type { AssistedRequest } from '../handlers/assisted-event';

/** Assisted rotation as the CLI sees it: `rotor supply` and `rotor confirm-revoked`. */
export interface AssistedService {
  supply(request: SupplyAssistedKeyRequest): Promise<SupplyAssistedKeyResult>;
  confirmRevoked(request: ConfirmAssistedRevocationRequest): Promise<ConfirmAssistedRevocationResult>;
}

/** The assisted function ran and failed. `remoteName` is its error's name; the message never holds the key. */
export class AssistedFunctionError extends RotorError {
  constructor(
    readonly functionName: string,
    readonly remoteName: string,
    message: string,
  ) {
    super(`${remoteName}: ${message}`);
  }
}

/** The assisted function could not be invoked (denied, not found, throttled) or answered nothing usable. */
export class AssistedInvokeError extends RotorError {}

/** The domain called in process: tests and local mode, where there is no Lambda to invoke. */
export function inProcessAssistedService(deps: RotationDeps): AssistedService {
  return {
    supply: (request) => supplyAssistedKey(deps, request),
    confirmRevoked: (request) => confirmAssistedRevocation(deps, request),
  };
}

/**
 * Invokes the stack's assisted function. The operator role may invoke it (with
 * MFA) but may never read a managed key: the function reads the current and
 * previous versions on the operator's behalf and answers ids and fingerprints.
 */
export class LambdaAssistedService implements AssistedService {
  constructor(
    private readonly client: LambdaClient,
    readonly functionName: string,
  ) {}

  supply(request: SupplyAssistedKeyRequest): Promise<SupplyAssistedKeyResult> {
    const { secretId, apiKey, keyId } = request;
    return this.invoke({ action: 'supply', secretId, apiKey, ...(keyId ? { keyId } : {}) }, apiKey);
  }

  confirmRevoked(request: ConfirmAssistedRevocationRequest): Promise<ConfirmAssistedRevocationResult> {
    const { secretId, keyId } = request;
    return this.invoke({ action: 'confirm-revoked', secretId, ...(keyId ? { keyId } : {}) });
  }

  private async invoke<T>(request: AssistedRequest, secret?: string): Promise<T> {
    let response: InvokeCommandOutput;
    try {
      response = await this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: InvocationType.RequestResponse,
          Payload: Buffer.from(JSON.stringify(request)),
        }),
      );
    } catch (error) {
      // SDK errors describe the call, never its payload.
      const name = error instanceof Error ? error.name : 'UnknownError';
      throw new AssistedInvokeError(
        `Could not invoke ${this.functionName} (${name}): ${redact(error instanceof Error ? error.message : String(error), secret)}`,
        { cause: error },
      );
    }
    const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
    const body = parseJson(text);
    if (response.FunctionError) {
      const { errorType, errorMessage } = (body ?? {}) as { errorType?: unknown; errorMessage?: unknown };
      throw new AssistedFunctionError(
        this.functionName,
        typeof errorType === 'string' ? errorType : response.FunctionError,
        // The function's errors are Rotor's named errors, which never quote a key; redact anyway.
        redact(typeof errorMessage === 'string' ? errorMessage : 'the function failed', secret),
      );
    }
    if (body === undefined || body === null || typeof body !== 'object') {
      throw new AssistedInvokeError(`${this.functionName} answered something other than a JSON object`);
    }
    return body as T;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function redact(message: string, secret: string | undefined): string {
  const key = secret?.replace(/\r?\n$/, '');
  return key ? message.split(key).join('[redacted]') : message;
}
