import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake provider received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON, or the fields of a form (urlencoded or multipart), or undefined. */
  readonly body: unknown;
  readonly contentType: string | undefined;
}

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-encoded unless it is a string (sent as is). */
  readonly body?: unknown;
}

export type Route = (request: RecordedRequest) => Reply | Promise<Reply>;

/** A canned failure the server answers with instead of (or after) doing the work. */
export interface Fault {
  readonly reply: Reply;
  /** Only requests this matches are affected (default: every request). */
  readonly when?: (request: RecordedRequest) => boolean;
  /** How many matching requests fail (default 1). */
  readonly times?: number;
  /** Do the work first, then answer with the fault: the provider acted, the client cannot tell. */
  readonly afterEffect?: boolean;
}

/**
 * A loopback HTTP server for adapter tests: routes a provider's documented
 * API to a handler, records every request, and injects faults (429 with the
 * provider's rate-limit headers, 5xx, a success the client never sees).
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly faults: Array<{ fault: Fault; remaining: number }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(route: Route): Promise<FakeHttpServer> {
    let self: FakeHttpServer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void (async () => {
          const raw = Buffer.concat(chunks);
          const url = new URL(req.url ?? '/', 'http://127.0.0.1');
          const contentType = req.headers['content-type'];
          const request: RecordedRequest = {
            method: req.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            body: await parseBody(raw, contentType),
            contentType,
          };
          const reply = await (self as FakeHttpServer).handle(request, route);
          const body =
            reply.body === undefined
              ? ''
              : typeof reply.body === 'string'
                ? reply.body
                : JSON.stringify(reply.body);
          res.writeHead(reply.status, {
            ...(reply.body !== undefined && typeof reply.body !== 'string'
              ? { 'content-type': 'application/json' }
              : {}),
            ...reply.headers,
          });
          res.end(body);
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new FakeHttpServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  failNext(fault: Fault): void {
    this.faults.push({ fault, remaining: fault.times ?? 1 });
  }

  /** Requests matching a method and a path pattern. */
  requestsTo(method: string, path: RegExp | string): RecordedRequest[] {
    return this.requests.filter(
      (request) =>
        request.method === method &&
        (typeof path === 'string' ? request.path === path : path.test(request.path)),
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: RecordedRequest, route: Route): Promise<Reply> {
    this.requests.push(request);
    const active = this.faults.find((entry) => entry.remaining > 0 && (entry.fault.when?.(request) ?? true));
    if (active) {
      active.remaining--;
      if (active.fault.afterEffect) await route(request);
      return active.fault.reply;
    }
    try {
      return await route(request);
    } catch (error) {
      return { status: 500, body: { error: `fake server bug: ${(error as Error).message}` } };
    }
  }
}

async function parseBody(raw: Buffer, contentType: string | undefined): Promise<unknown> {
  if (raw.length === 0) return undefined;
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      return raw.toString('utf8');
    }
  }
  if (
    contentType?.includes('multipart/form-data') ||
    contentType?.includes('application/x-www-form-urlencoded')
  ) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const fields: Record<string, string | string[]> = {};
    for (const [key, value] of form.entries()) {
      const text = typeof value === 'string' ? value : await value.text();
      const existing = fields[key];
      fields[key] =
        existing === undefined ? text : [...(Array.isArray(existing) ? existing : [existing]), text];
    }
    return fields;
  }
  return raw.toString('utf8');
}

/** The bearer token of a request, if any. */
export function bearerToken(request: RecordedRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ')
    ? header.slice('Bearer '.length)
    : undefined;
}

/** Basic-auth user and password of a request, if any. */
export function basicAuth(request: RecordedRequest): { user: string; password: string } | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
