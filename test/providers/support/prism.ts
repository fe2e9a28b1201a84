import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The providers' official OpenAPI specs, copied from the project's shared specs (see the folder's README). */
export const SPECS_DIR = join(__dirname, '..', '..', 'fixtures', 'specs');

/**
 * Prism logs "Violation:" only when the spec defines a 400 response to send
 * back; otherwise it answers its own 422 and logs each problem as a validator
 * error line. Both count.
 */
const VALIDATOR_ERROR = /\[VALIDATOR\]\s+✖\s+error/;

/**
 * Stoplight Prism serving a provider's official OpenAPI spec: it answers a
 * request that breaks the spec with 400/422, so running an adapter against it
 * checks that the adapter's requests have the shape the provider documents.
 */
export class PrismMock {
  private constructor(
    private readonly process: ChildProcess,
    readonly url: string,
    private readonly output: () => string,
  ) {}

  static async start(specFile: string): Promise<PrismMock> {
    const port = await freePort();
    const bin = join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'prism');
    const child = spawn(bin, ['mock', '-h', '127.0.0.1', '-p', String(port), join(SPECS_DIR, specFile)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const mock = new PrismMock(child, `http://127.0.0.1:${port}`, () => output);
    const deadline = Date.now() + 30_000;
    while (!output.includes('Prism is listening')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill();
        throw new Error(`Prism did not start for ${specFile}: ${output.slice(-500)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return mock;
  }

  /** Prism's log: its validator names each violation of the spec. */
  get log(): string {
    return this.output();
  }

  /** Spec violations Prism reported for the requests it received. */
  violations(): string[] {
    return this.output()
      .split('\n')
      .filter((line) => line.includes('Violation:') || VALIDATOR_ERROR.test(line))
      .map((line) => line.slice(Math.max(0, line.indexOf('[VALIDATOR]'))));
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill();
    await exited;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
