// What the fetch-based backends (http, gs) say when a request fails before or while its answer
// arrives.
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
