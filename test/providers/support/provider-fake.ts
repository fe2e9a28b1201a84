import type { FakeHttpServer, RecordedRequest, Reply } from './fake-http-server';

/**
 * What the shared conformance suite needs from a provider's fake server: the
 * server itself, credentials and settings it accepts, the provider's own
 * error answers, and a view of which keys are live.
 */
export interface ProviderFake {
  readonly server: FakeHttpServer;
  /** The admin credential's secret string as Rotor stores it. */
  readonly adminCredential: string;
  /** Provider settings (the secret's `rotor:` tags without the prefix) the fake accepts. */
  readonly settings: Readonly<Record<string, string>>;
  isLive(keyId: string): boolean;
  liveKeyIds(): string[];
  /** Every secret the fake has issued (to look for leaks in errors and logs). */
  issuedSecrets(): string[];
  /** The provider's documented 429 answer, asking to wait `seconds`. */
  rateLimitReply(seconds: number): Reply;
  /** The provider's 5xx answer. */
  serverErrorReply(): Reply;
  readonly isCreate: (request: RecordedRequest) => boolean;
  readonly isRevoke: (request: RecordedRequest) => boolean;
  readonly isList: (request: RecordedRequest) => boolean;
  readonly isVerify: (request: RecordedRequest) => boolean;
  close(): Promise<void>;
}
