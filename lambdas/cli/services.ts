import type { Clock, SecretStore } from '../domain/ports';
import type { AssistedService } from './assisted-service';
import type { AuditTrail } from './audit-trail';

/** Output formats, as the AWS CLI names them. */
export type OutputFormat = 'table' | 'json';

/** Options every command accepts, AWS CLI style. */
export interface GlobalOptions {
  readonly profile?: string;
  readonly region?: string;
  readonly endpointUrl?: string;
  readonly output: OutputFormat;
  /** The CloudWatch Logs group the audit events land in (ROTOR_AUDIT_LOG_GROUP, default /aws/events/Rotor/rotor-audit). */
  readonly auditLogGroup: string;
  /** The stack's assisted-rotation function (ROTOR_ASSISTED_FUNCTION, default rotor-assisted). */
  readonly assistedFunction: string;
}

/** What the commands need from AWS, built once per invocation from the global options. */
export interface CliServices {
  readonly store: SecretStore;
  /**
   * PutSecretValue labelled AWSCURRENT, for admin credentials. Kept off the
   * SecretStore port: no Lambda may write a value outside the rotation protocol.
   */
  putValue(secretId: string, secretString: string): Promise<{ readonly versionId: string }>;
  readonly audit: AuditTrail;
  readonly clock: Clock;
  readonly uuid: () => string;
  /**
   * Assisted rotation (`rotor supply`, `rotor confirm-revoked`). Over AWS it
   * invokes the stack's assisted function: reading the current and previous
   * keys is that function's right, never the operator's.
   */
  readonly assisted: AssistedService;
}

/** A place the CLI writes text to (process.stdout / stderr, or a buffer in tests). */
export interface TextSink {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Standard input as the CLI reads it: a stream that may be a terminal. */
export type TextSource = NodeJS.ReadableStream & {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
};

/** The CLI's surroundings: its streams and how it reaches AWS. */
export interface CliEnvironment {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly stdin: TextSource;
  readonly env?: NodeJS.ProcessEnv;
  connect(options: GlobalOptions): CliServices;
}
