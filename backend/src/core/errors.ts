/**
 * The one error type the core throws. `code` is stable: the HTTP layer maps it to a status and the CLI
 * maps every code to exit 2 with `message` as its one line on stderr.
 */
export type LensErrorCode =
  | 'bad-input' // malformed request, arguments or file content
  | 'bad-archive' // truncated or corrupt image archive / layer
  | 'unsafe-path' // hostile tar entry path
  | 'too-large' // limits exceeded (file count, body size)
  | 'unsupported' // a format we recognise but do not read (e.g. zstd layers)
  | 'not-found' // image, analysis, build record, file
  | 'engine-unavailable' // Docker engine not reachable or went away
  | 'engine-error' // the engine answered with an error
  | 'conflict' // state does not allow the request (prune without confirm, selection changed)
  | 'cancelled' // the caller aborted
  | 'internal';

export class LensError extends Error {
  readonly code: LensErrorCode;
  override readonly cause?: unknown;

  constructor(code: LensErrorCode, message: string, cause?: unknown) {
    super(message);
    this.name = 'LensError';
    this.code = code;
    this.cause = cause;
  }
}

export function isLensError(e: unknown): e is LensError {
  return e instanceof LensError;
}

/** Wraps anything thrown into a LensError, keeping the original as `cause`. */
export function toLensError(e: unknown, fallback: LensErrorCode = 'internal'): LensError {
  if (e instanceof LensError) return e;
  if (e instanceof Error) {
    if (e.name === 'AbortError') return new LensError('cancelled', 'cancelled', e);
    return new LensError(fallback, firstLine(e.message), e);
  }
  return new LensError(fallback, firstLine(String(e)), e);
}

export function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s;
  return line.trim();
}
