import { RotorError } from '../domain/errors';
import type { TextSink, TextSource } from './services';

/** The credential could not be read from standard input (empty, too long, or cancelled). */
export class CredentialInputError extends RotorError {}

/** Secrets Manager's limit on a secret value. */
export const MAX_CREDENTIAL_BYTES = 65_536;

/**
 * Reads a credential from standard input. From a pipe it reads everything and
 * drops one trailing newline; from a terminal it prompts on stderr and reads
 * one line with echo off (raw mode), so the credential never appears on screen,
 * in shell history or in the process list.
 */
export async function readCredential(stdin: TextSource, stderr: TextSink, prompt: string): Promise<string> {
  const text =
    stdin.isTTY && stdin.setRawMode ? await readHidden(stdin, stderr, prompt) : await readAll(stdin);
  if (Buffer.byteLength(text, 'utf8') > MAX_CREDENTIAL_BYTES) {
    throw new CredentialInputError(`The credential exceeds ${MAX_CREDENTIAL_BYTES} bytes`);
  }
  if (text.trim() === '') throw new CredentialInputError('No credential on standard input');
  return text;
}

async function readAll(stdin: TextSource): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    size += buffer.length;
    // Stop early rather than buffer an unbounded stream.
    if (size > MAX_CREDENTIAL_BYTES + 2) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function readHidden(stdin: TextSource, stderr: TextSink, prompt: string): Promise<string> {
  stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (error?: Error) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new CredentialInputError('Cancelled'));
        if (char === '\u007f' || char === '\b') text = text.slice(0, -1);
        else text += char;
      }
    };
    stdin.on('data', onData);
  });
}
