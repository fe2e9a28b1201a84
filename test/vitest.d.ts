import 'vitest';
import type { CustomMatcher } from 'aws-sdk-client-mock-vitest';

// Types for the aws-sdk-client-mock matchers registered in test/setup.ts.
declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: mirrors vitest's own Assertion<T = any>
  interface Assertion<T = any> extends CustomMatcher<T> {}
  interface AsymmetricMatchersContaining extends CustomMatcher {}
}
