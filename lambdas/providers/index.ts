import { UnknownProviderError } from '../domain/errors';
import { algolia } from './algolia';
import { cloudflare } from './cloudflare';
import { datadog } from './datadog';
import { mailgun } from './mailgun';
import { manual } from './manual';
import { openai } from './openai';
import type { ProviderAdapter } from './provider';
import { sendgrid } from './sendgrid';
import { stripe } from './stripe';
import { twilio } from './twilio';

/**
 * Every provider Rotor can rotate, by the id used in the `rotor:provider` tag.
 * One file per provider; adding one is one import and one entry here.
 */
const ADAPTERS: readonly ProviderAdapter[] = [
  sendgrid,
  manual,
  twilio,
  datadog,
  cloudflare,
  algolia,
  mailgun,
  openai,
  stripe,
];

export interface ProviderRegistry {
  get(provider: string): ProviderAdapter;
  ids(): readonly string[];
}

export function createRegistry(adapters: readonly ProviderAdapter[]): ProviderRegistry {
  const byId = new Map(adapters.map((adapter) => [adapter.id, adapter]));
  return {
    get(provider) {
      const adapter = byId.get(provider.toLowerCase());
      if (!adapter) throw new UnknownProviderError(provider);
      return adapter;
    },
    ids: () => [...byId.keys()],
  };
}

export const providers: ProviderRegistry = createRegistry(ADAPTERS);

/** Provider ids known to this build (the CDK constructs validate declarations against it). */
export const PROVIDER_IDS: readonly string[] = ADAPTERS.map((adapter) => adapter.id);
