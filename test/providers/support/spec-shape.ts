import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismMock } from './prism';

export interface SpecCase {
  readonly name: string;
  /** Runs adapter calls against the Prism mock's URL; they must succeed. */
  readonly run: (url: string) => Promise<unknown>;
}

/**
 * Runs an adapter's requests against Prism serving the provider's official
 * OpenAPI spec. Prism validates each request (path, method, auth, body) and
 * logs every violation; none may appear.
 */
/** A request that breaks the spec, proving that Prism would catch a wrong shape. */
export interface SpecControl {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export function describeSpecShape(
  provider: string,
  specFile: string,
  cases: readonly SpecCase[],
  control?: SpecControl,
): void {
  describe(`${provider} requests match ${specFile}`, () => {
    let prism: PrismMock;
    beforeAll(async () => {
      prism = await PrismMock.start(specFile);
    }, 60_000);
    afterAll(async () => {
      await prism?.stop();
    });

    if (control) {
      it('reports a request that breaks the spec (control)', async () => {
        const before = prism.violations().length;
        await fetch(`${prism.url}${control.path}`, {
          method: control.method,
          headers: control.headers,
          body: control.body,
        });
        expect(prism.violations().length).toBeGreaterThan(before);
      });
    }

    for (const specCase of cases) {
      it(specCase.name, async () => {
        const before = prism.violations().length;
        await specCase.run(prism.url);
        expect(prism.violations().slice(before)).toEqual([]);
      });
    }
  });
}
