import { type CloudWatchLogsClient, CreateLogStreamCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { DeliveryLedger } from '../domain/leak-ports';

/**
 * Remembers webhook deliveries as log streams in a dedicated log group:
 * CreateLogStream is an atomic conditional create (ResourceAlreadyExists-
 * Exception on a second call with the same name), so two concurrent replays
 * cannot both pass, and it needs no table and no client beyond the logs one
 * Rotor already uses. Delivery ids are GitHub's GUIDs or a signature prefix,
 * both valid stream names (no ':' or '*').
 */
export class CloudWatchDeliveryLedger implements DeliveryLedger {
  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly logGroupName: string,
  ) {}

  async remember(deliveryId: string): Promise<boolean> {
    try {
      await this.client.send(
        new CreateLogStreamCommand({ logGroupName: this.logGroupName, logStreamName: deliveryId }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ResourceAlreadyExistsException') return false;
      throw error;
    }
  }
}

/** The ledger in memory (tests, benchmarks). */
export class InMemoryDeliveryLedger implements DeliveryLedger {
  readonly seen = new Set<string>();

  async remember(deliveryId: string): Promise<boolean> {
    if (this.seen.has(deliveryId)) return false;
    this.seen.add(deliveryId);
    return true;
  }
}
