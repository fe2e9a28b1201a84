/**
 * Ports of the leak response. The fingerprint index answers "which secret
 * minted a key with this fingerprint" without reading any secret's value; the
 * delivery ledger refuses a webhook delivery it has seen before.
 */

/** Finds managed secrets by a key's fingerprint (`sha256:<16 hex>`), from the `Key Created` audit events. */
export interface FingerprintIndex {
  /** Secret ARNs (or names) whose rotations created a key with this fingerprint; may hold false positives. */
  find(fingerprint: string): Promise<readonly string[]>;
}

/** Remembers webhook deliveries so that a replayed one is refused. */
export interface DeliveryLedger {
  /** Records the delivery id atomically; resolves false when it was already recorded. */
  remember(deliveryId: string): Promise<boolean>;
}
