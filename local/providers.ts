import { startDatadogFake } from '../test/providers/fakes/datadog-fake';
import { startSendGridFake } from '../test/providers/fakes/sendgrid-fake';
import type { ProviderFake } from '../test/providers/support/provider-fake';
import { LocalModeError } from './functions';

/**
 * The local provider servers, by provider id: the same fakes the adapter tests
 * run against (test/providers/fakes), each speaking its provider's documented
 * API on loopback. A provider joins local mode with one line here.
 */
const PROVIDER_FAKES: Readonly<Record<string, () => Promise<ProviderFake>>> = {
  sendgrid: () => startSendGridFake(),
  datadog: () => startDatadogFake(),
};

/** Provider ids local mode can run. */
export const LOCAL_PROVIDERS: readonly string[] = Object.keys(PROVIDER_FAKES);

/** Starts one fake server per provider; refuses a provider that has none. */
export async function startProviderFakes(providers: Iterable<string>): Promise<Map<string, ProviderFake>> {
  const fakes = new Map<string, ProviderFake>();
  for (const provider of new Set(providers)) {
    const start = PROVIDER_FAKES[provider];
    if (!start) {
      for (const fake of fakes.values()) await fake.close();
      throw new LocalModeError(
        `Local mode has no provider server for "${provider}" (it has: ${LOCAL_PROVIDERS.join(', ')})`,
      );
    }
    fakes.set(provider, await start());
  }
  return fakes;
}
