// What the fetch-based backends (http, gs) make of a request that failed before or while its
// answer arrived: a retryable error, or a message without the URL.
import { redactUri } from "./redact.ts";

/**
 * rustls' verdict on a server certificate it does not accept (unknown issuer, expired, wrong name).
 */
export const TLS_VERIFY = /invalid peer certificate/i;

/**
 * Why a fetch failed, fit for a message: the innermost cause's message without the URL that
 * Deno's wrapper repeats ("error sending request for url (<url>): client error (Connect): <why>"),
 * since after a redirect that URL may carry a signature.
 */
export function fetchFailure(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const message = inner instanceof Error ? inner.message : String(inner);
  return message
    .replace(/^error sending request for url \(\S*\): /, "")
    .replace(/^client error \(\w+\): /, "")
    .replace(/https?:\/\/\S+/g, (url) => redactUri(url));
}

/** An answer or failure that a retry may fix, with the server's `Retry-After` when it gave one. */
export class TransientError extends Error {
  /** How long the server asked to wait, in milliseconds. */
  readonly retryAfterMs?: number;

  constructor(message: string, options?: ErrorOptions & { retryAfterMs?: number }) {
    super(message, options);
    this.name = "TransientError";
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A retryable answer (5xx, 429, 408) as a {@linkcode TransientError} with its `Retry-After`. */
export function transientAnswer(res: Response, what: string): TransientError {
  // A missing or empty header is no wait (`Number(null)` and `Number("")` would read as 0 s).
  const header = res.headers.get("retry-after")?.trim();
  const seconds = header ? Number(header) : NaN;
  return new TransientError(what, {
    retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined,
  });
}
