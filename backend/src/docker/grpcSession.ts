import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { LensError, type LensErrorCode } from '../core/errors.js';
import type { Engine } from './engine.js';

/**
 * gRPC over the engine's `/grpc` endpoint, by hand: `POST /grpc` with `Upgrade: h2c` answers 101 and
 * the socket then speaks HTTP/2 with prior knowledge. Each call is one HTTP/2 stream carrying
 * length-prefixed protobuf frames (1 flag byte, 4-byte big-endian length); the status comes in the
 * `grpc-status` trailer (or in the headers of a trailers-only answer).
 */

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface GrpcCallOptions {
  signal?: AbortSignal;
  /** Deadline for the whole call; none when undefined (live streams). */
  timeoutMs?: number;
  /** Called when the server's response headers arrive (the call is accepted). */
  onResponse?: (headers: http2.IncomingHttpHeaders) => void;
}

/** How the engine is reached, read from dockerode's modem. */
interface ModemTarget {
  socketPath?: string;
  host?: string;
  port?: number | string;
  protocol?: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

const GRPC_CODE_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
};

/** A gRPC failure status, kept on the LensError as `cause` so callers can tell NotFound from the rest. */
export class GrpcStatusError extends Error {
  constructor(
    readonly grpcCode: number,
    readonly grpcMessage: string,
    readonly method: string,
  ) {
    super(`${method}: ${GRPC_CODE_NAMES[grpcCode] ?? `code ${grpcCode}`}: ${grpcMessage}`);
    this.name = 'GrpcStatusError';
  }
}

export function grpcCodeOf(e: unknown): number | undefined {
  return e instanceof LensError && e.cause instanceof GrpcStatusError ? e.cause.grpcCode : undefined;
}

function lensCodeOfGrpc(code: number): LensErrorCode {
  switch (code) {
    case 1:
      return 'cancelled';
    case 3:
      return 'bad-input';
    case 5:
      return 'not-found';
    case 12:
      return 'unsupported';
    case 4:
    case 14:
      return 'engine-unavailable';
    default:
      return 'engine-error';
  }
}

function shortMethod(method: string): string {
  return method.slice(method.lastIndexOf('/') + 1);
}

function statusError(code: number, rawMessage: string, method: string): LensError {
  let message = rawMessage;
  try {
    message = decodeURIComponent(rawMessage);
  } catch {
    // keep it as sent
  }
  const cause = new GrpcStatusError(code, message, method);
  // Go servers often wrap the message again: `rpc error: code = NotFound desc = …`.
  const line =
    message
      .split('\n')[0]
      ?.replace(/^(?:rpc error: code = \w+ desc = )+/, '')
      .trim() ||
    GRPC_CODE_NAMES[code] ||
    `code ${code}`;
  if (code === 12) {
    return new LensError(
      'unsupported',
      `this Docker engine's BuildKit does not offer ${shortMethod(method)} (${line})`,
      cause,
    );
  }
  return new LensError(lensCodeOfGrpc(code), `BuildKit ${shortMethod(method)}: ${line}`, cause);
}

function modemTarget(engine: Engine): ModemTarget {
  return (engine.docker as unknown as { modem: ModemTarget }).modem;
}

function networkError(e: unknown, address: string): LensError {
  const code = (e as { code?: string }).code;
  if (e instanceof LensError) return e;
  if ((e as Error).name === 'AbortError') return new LensError('cancelled', 'cancelled', e);
  return new LensError(
    'engine-unavailable',
    `Docker engine at ${address} is not reachable${code ? ` (${code})` : `: ${(e as Error).message}`}`,
    e,
  );
}

/** `POST /grpc` with `Upgrade: h2c`; resolves with the upgraded socket. */
function upgrade(engine: Engine, signal: AbortSignal | undefined, timeoutMs: number): Promise<Duplex> {
  const t = modemTarget(engine);
  return new Promise<Duplex>((resolve, reject) => {
    let settled = false;
    const fail = (e: LensError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      reject(e);
    };
    const options: http.RequestOptions = {
      method: 'POST',
      path: '/grpc',
      headers: { Connection: 'Upgrade', Upgrade: 'h2c', 'Content-Length': '0' },
    };
    let req: http.ClientRequest;
    if (t.socketPath) {
      req = http.request({ ...options, socketPath: t.socketPath });
    } else if (t.protocol === 'https') {
      req = https.request({ ...options, host: t.host, port: t.port, ca: t.ca, cert: t.cert, key: t.key });
    } else {
      req = http.request({ ...options, host: t.host, port: t.port });
    }
    const timer = setTimeout(
      () =>
        fail(
          new LensError(
            'engine-unavailable',
            `Docker engine at ${engine.address} did not open a BuildKit session within ${timeoutMs / 1000} s`,
          ),
        ),
      timeoutMs,
    );
    const onAbort = () => fail(new LensError('cancelled', 'cancelled'));
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('upgrade', (_res, socket, head) => {
      if (settled) {
        socket.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // The engine may send its first HTTP/2 frames together with the 101.
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      const code: LensErrorCode = status === 404 || status === 400 ? 'unsupported' : 'engine-error';
      fail(
        new LensError(
          code,
          code === 'unsupported'
            ? `Docker engine at ${engine.address} does not serve BuildKit over /grpc (HTTP ${status}); build history needs Docker 23 or later with BuildKit`
            : `Docker engine at ${engine.address} refused the BuildKit session (HTTP ${status})`,
        ),
      );
    });
    req.on('error', (e) => fail(networkError(e, engine.address)));
    req.end();
  });
}

function frame(message: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(5 + message.length);
  b[0] = 0;
  b.writeUInt32BE(message.length, 1);
  b.set(message, 5);
  return b;
}

/** One HTTP/2 session to BuildKit; several calls may run on it at once. Close it when done. */
export class GrpcSession {
  private closed = false;

  private constructor(
    private readonly session: http2.ClientHttp2Session,
    readonly address: string,
  ) {}

  static async open(
    engine: Engine,
    opts: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<GrpcSession> {
    const socket = await upgrade(engine, opts.signal, opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const session = http2.connect('http://buildkit', { createConnection: () => socket });
    // A session error also fails every open stream; the calls report it. This listener keeps it from
    // becoming an uncaught exception.
    session.on('error', () => undefined);
    return new GrpcSession(session, engine.address);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.close();
    // Do not wait for a slow peer: streams left open are cancelled.
    setTimeout(() => this.session.destroy(), 1000).unref();
  }

  /**
   * A unary or server-streaming call: every response message is passed to `onMessage` as it arrives
   * (an exception thrown there ends the call with that error). Resolves when the server ends the call
   * with status OK; rejects with a LensError otherwise.
   */
  call(
    method: string,
    request: Uint8Array,
    onMessage: (message: Buffer) => void,
    opts: GrpcCallOptions = {},
  ): Promise<void> {
    if (this.closed || this.session.closed || this.session.destroyed) {
      return Promise.reject(
        new LensError('engine-unavailable', `the BuildKit session to ${this.address} is closed`),
      );
    }
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': method,
      'content-type': 'application/grpc',
      te: 'trailers',
    };
    if (opts.timeoutMs !== undefined) headers['grpc-timeout'] = `${Math.max(1, Math.ceil(opts.timeoutMs))}m`;
    const stream = this.session.request(headers);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let pending: Buffer = Buffer.alloc(0);
      let grpcStatus: number | undefined;
      let grpcMessage = '';
      let httpStatus: number | undefined;

      const finish = (err?: LensError) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) {
          if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
          reject(err);
        } else resolve();
      };
      const readStatus = (h: http2.IncomingHttpHeaders) => {
        const s = h['grpc-status'];
        if (s !== undefined) {
          grpcStatus = Number(s);
          const m = h['grpc-message'];
          grpcMessage = typeof m === 'string' ? m : '';
        }
      };
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () =>
                finish(
                  new LensError(
                    'engine-unavailable',
                    `BuildKit ${shortMethod(method)} did not answer within ${(opts.timeoutMs! / 1000).toFixed(0)} s`,
                  ),
                ),
              opts.timeoutMs,
            );
      const onAbort = () => finish(new LensError('cancelled', 'cancelled'));
      if (opts.signal?.aborted) {
        onAbort();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      stream.on('response', (h) => {
        httpStatus = Number(h[':status']);
        readStatus(h);
        if (httpStatus === 200 && grpcStatus === undefined) opts.onResponse?.(h);
      });
      stream.on('trailers', readStatus);
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        while (pending.length >= 5) {
          const compressed = pending[0] !== 0;
          const len = pending.readUInt32BE(1);
          if (compressed) {
            finish(new LensError('unsupported', `BuildKit ${shortMethod(method)} sent a compressed message`));
            return;
          }
          if (len > MAX_MESSAGE_BYTES) {
            finish(
              new LensError('too-large', `BuildKit ${shortMethod(method)} sent a message of ${len} bytes`),
            );
            return;
          }
          if (pending.length < 5 + len) break;
          const message = pending.subarray(5, 5 + len);
          pending = pending.subarray(5 + len);
          try {
            onMessage(message);
          } catch (e) {
            finish(
              e instanceof LensError
                ? e
                : new LensError(
                    'engine-error',
                    `BuildKit ${shortMethod(method)}: ${(e as Error).message}`,
                    e,
                  ),
            );
            return;
          }
        }
      });
      stream.on('end', () => {
        if (httpStatus !== undefined && httpStatus !== 200) {
          finish(
            new LensError('engine-error', `BuildKit ${shortMethod(method)} answered HTTP ${httpStatus}`),
          );
        } else if (grpcStatus === undefined) {
          finish(
            new LensError('engine-unavailable', `BuildKit ${shortMethod(method)} ended without a status`),
          );
        } else if (grpcStatus !== 0) {
          finish(statusError(grpcStatus, grpcMessage, method));
        } else if (pending.length > 0) {
          finish(new LensError('engine-error', `BuildKit ${shortMethod(method)} ended inside a message`));
        } else finish();
      });
      stream.on('error', (e) => finish(networkError(e, this.address)));
      stream.on('close', () => {
        if (!settled)
          finish(new LensError('engine-unavailable', `the BuildKit session to ${this.address} closed`));
      });
      stream.end(frame(request));
    });
  }

  /** A unary call: exactly one response message. */
  async unary(method: string, request: Uint8Array, opts: GrpcCallOptions = {}): Promise<Buffer> {
    let answer: Buffer | undefined;
    await this.call(method, request, (m) => (answer = Buffer.from(m)), opts);
    if (!answer) throw new LensError('engine-error', `BuildKit ${shortMethod(method)} sent no answer`);
    return answer;
  }
}
