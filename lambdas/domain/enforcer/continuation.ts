import { z } from 'zod';
import { RotorError } from '../errors';
import type { SweepPosition } from './sweep';

/** Hands the rest of a sweep to a new invocation (an asynchronous self-invoke in AWS). */
export interface SweepInvoker {
  handOn(position: SweepPosition): Promise<void>;
}

/** The enforcer was invoked with an event that is neither the schedule's nor a continuation. */
export class InvalidEnforcerEventError extends RotorError {}

const continuationEvent = z.object({
  continuation: z.object({
    sweepId: z.string().min(1).max(64),
    startedAt: z.iso.datetime(),
    nextToken: z.string().min(1).max(4096),
    hop: z.number().int().min(1).max(10_000),
  }),
});

/**
 * The event of one invocation: the schedule sends anything without a
 * `continuation` (EventBridge Scheduler's input is `{}`), which starts a new
 * sweep; a continuation carries the position to resume from.
 */
export function parseEnforcerEvent(event: unknown): SweepPosition | undefined {
  if (typeof event !== 'object' || event === null || !('continuation' in event)) return undefined;
  const parsed = continuationEvent.safeParse(event);
  if (!parsed.success) {
    throw new InvalidEnforcerEventError('Enforcer continuation event is malformed', { cause: parsed.error });
  }
  return parsed.data.continuation;
}

/** The event a continuation invocation receives. */
export function continuationEventFor(position: SweepPosition): { continuation: SweepPosition } {
  return { continuation: position };
}
