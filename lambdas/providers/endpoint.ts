import { ManagedSecretConfigError } from '../domain/errors';

export interface EndpointChoice {
  readonly provider: string;
  readonly secretName: string;
  /** Official hosts by the names a tag may use, e.g. `{ global: 'https://api.sendgrid.com', eu: … }`. */
  readonly officialHosts: Readonly<Record<string, string>>;
  readonly defaultHost: string;
  /** The setting (tag without `rotor:`) that selects a host, and its value if set. */
  readonly setting: string;
  readonly selected: string | undefined;
  /** ROTOR_ENDPOINT_<PROVIDER>, set by the deployment only. */
  readonly override: string | undefined;
}

/**
 * Chooses the base URL for a provider. A tag may pick only among the
 * provider's official hosts, so whoever can tag a secret cannot send the admin
 * credential to a host of their choosing; any other endpoint (a proxy, a test
 * server) comes from the deployment's ROTOR_ENDPOINT_<PROVIDER>.
 */
export function resolveEndpoint(choice: EndpointChoice): string {
  if (choice.override) return choice.override;
  if (choice.selected === undefined) return choice.officialHosts[choice.defaultHost] as string;
  const host = choice.officialHosts[choice.selected.toLowerCase()];
  if (!host) {
    const allowed = Object.keys(choice.officialHosts).join(', ');
    throw new ManagedSecretConfigError(
      choice.secretName,
      `rotor:${choice.setting}`,
      `must be one of: ${allowed}`,
    );
  }
  return host;
}

/** The environment variable that overrides a provider's endpoint. */
export function endpointVariable(provider: string): string {
  return `ROTOR_ENDPOINT_${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
