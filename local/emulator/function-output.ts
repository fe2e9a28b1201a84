import { AsyncLocalStorage } from 'node:async_hooks';

type Sink = (text: string) => void;

const current = new AsyncLocalStorage<Sink>();
let installed = false;

/**
 * Runs `invocation` with everything it writes to stdout and stderr (the
 * Powertools logger, console) sent to `sink` instead, as Lambda sends a
 * function's output to its log group rather than anyone's terminal. Output is
 * told apart by async context, so concurrent invocations do not mix, and
 * writes from outside any invocation pass through untouched.
 */
export function routeFunctionOutput<T>(sink: Sink, invocation: () => Promise<T>): Promise<T> {
  install();
  return current.run(sink, invocation);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const sink = current.getStore();
      if (!sink) return original(chunk, ...rest);
      sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
}
