import { ApiError, LensClient, type Method, type Transport } from '../../src/api/client';

export type Handler = (body: unknown, path: string) => unknown;
export type Routes = Record<string, Handler | object>;

export interface Call {
  method: Method;
  path: string;
  body: unknown;
}

/**
 * A transport that answers from a route table (`'GET /api/images'`, `'POST /api/analyses'`, and
 * prefixes ending in `*`), and records every call. Handlers may throw ApiError to answer an error.
 */
export function fakeTransport(
  routes: Routes,
  opts: { kind?: Transport['kind']; events?: Transport['events'] } = {},
) {
  const calls: Call[] = [];
  const transport: Transport = {
    kind: opts.kind ?? 'standalone',
    async request(method, path, body) {
      calls.push({ method, path, body });
      await Promise.resolve();
      const bare = path.split('?')[0];
      const key = `${method} ${path}`;
      const handler =
        routes[key] ??
        routes[`${method} ${bare}`] ??
        Object.entries(routes).find(([k]) => k.endsWith('*') && key.startsWith(k.slice(0, -1)))?.[1];
      if (handler === undefined) throw new ApiError('not-found', `no fake route for ${key}`, 404);
      const answer = typeof handler === 'function' ? await (handler as Handler)(body, path) : handler;
      return JSON.parse(JSON.stringify(answer ?? null)) as unknown;
    },
  };
  if (opts.events) transport.events = opts.events;
  return { transport, calls, client: new LensClient(transport) };
}

/** In-memory Storage for store tests. */
export function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> & {
  data: Map<string, string>;
} {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

/** Resolves after pending promises and timers of `ms` (real timers). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `check` stops throwing (or times out with its last error). */
export async function eventually(check: () => void, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() - start > timeoutMs) throw e;
      await sleep(10);
    }
  }
}
