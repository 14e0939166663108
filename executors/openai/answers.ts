// What the Files API answers, classified: its error body, `Retry-After`, and which failures are
// the user's (a refused key, an unknown file, a rejected file), which are worth retrying (rate
// limits, server errors, lost connections) and which are neither (an untrusted certificate).
import { SystemError, type SystemErrorCode, UserError } from "../../errors.ts";

/**
 * A failure worth retrying, with how long the API asked to wait.
 *
 * @example A rate limit that asks for two seconds
 * ```ts
 * import { Retryable } from "./answers.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new Retryable("rate limited", "SYSTEM:RateLimited", 2000).waitMs, 2000);
 * ```
 */
export class Retryable extends Error {
  constructor(
    message: string,
    readonly code: SystemErrorCode,
    readonly waitMs: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

interface ApiError {
  message: string;
  code?: string;
}

/** The most of an error answer that is read. */
export const MAX_ERROR_BODY = 64 * 1024;

/**
 * Reads at most `limit` bytes of a body (error answers, the upload's JSON) as text.
 *
 * @example A body cut at four bytes
 * ```ts
 * import { readBody } from "./answers.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(await readBody(new Response("hello").body, 4), "hell");
 * ```
 */
export async function readBody(
  body: AsyncIterable<Uint8Array> | null,
  limit: number,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body ?? []) {
    if (size < limit) chunks.push(chunk.subarray(0, limit - size));
    size += chunk.length;
  }
  const all = new Uint8Array(Math.min(size, limit));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

/**
 * The API's `{error: {message, code}}`, or the start of whatever else it sent.
 *
 * @example An OpenAI error body
 * ```ts
 * import { apiErrorOf } from "./answers.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(apiErrorOf('{"error": {"message": "No such File", "code": null}}'), {
 *   message: "No such File",
 *   code: undefined,
 * });
 * ```
 */
export function apiErrorOf(text: string): ApiError {
  try {
    const body = JSON.parse(text);
    const error = body?.error ?? body;
    if (error && typeof error.message === "string") {
      return {
        message: error.message.slice(0, 2000),
        code: typeof error.code === "string" ? error.code : undefined,
      };
    }
  } catch { /* not JSON */ }
  const trimmed = text.trim().replace(/\s+/g, " ");
  return { message: trimmed.length > 500 ? `${trimmed.slice(0, 500)}...` : trimmed };
}

/** Response headers of either client: a `Headers` or `node:http`'s plain object. */
export type ResponseHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: ResponseHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How long the API asked to wait: `retry-after-ms`, then `Retry-After` in seconds or as an HTTP
 * date; `undefined` when absent, unreadable or longer than `maxMs`.
 *
 * @example Seconds and milliseconds
 * ```ts
 * import { retryAfterMs } from "./answers.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(retryAfterMs({ "retry-after": "2" }, 60_000), 2000);
 * assertEquals(retryAfterMs({ "retry-after-ms": "150" }, 60_000), 150);
 * assertEquals(retryAfterMs({ "retry-after": "3600" }, 60_000), undefined);
 * ```
 */
export function retryAfterMs(
  headers: ResponseHeaders,
  maxMs: number,
  now: number = Date.now(),
): number | undefined {
  let ms: number | undefined;
  const millis = header(headers, "retry-after-ms");
  if (millis !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(millis)) ms = Number(millis);
  const after = header(headers, "retry-after");
  if (ms === undefined && after !== undefined) {
    if (/^\s*\d+(\.\d+)?\s*$/.test(after)) ms = Number(after) * 1000;
    else {
      const date = Date.parse(after);
      if (!Number.isNaN(date)) ms = Math.max(0, date - now);
    }
  }
  return ms !== undefined && ms >= 0 && ms <= maxMs ? ms : undefined;
}

/** An answer of either client: status, headers and body. */
export interface Answer {
  status: number;
  headers: ResponseHeaders;
  body: AsyncIterable<Uint8Array> | null;
}

/** Options of {@linkcode failedAnswer}. */
export interface FailedAnswerOptions {
  /** What a 404 means for this call. */
  notFound: string;
  /** Where the key comes from, named when it is refused. */
  keySource?: string;
  /** The longest `Retry-After` honoured. */
  maxRetryAfterMs: number;
}

/**
 * Throws the classified error for a non-2xx answer (after reading its body): a `UserError`, or a
 * {@linkcode Retryable} for 429 and 5xx.
 *
 * @example A malformed file
 * ```ts
 * import { failedAnswer } from "./answers.ts";
 * import { assertRejects } from "@std/assert";
 *
 * const body = [new TextEncoder().encode('{"error": {"message": "line 2 is not JSON"}}')];
 * const answer = {
 *   status: 400,
 *   headers: {},
 *   body: (async function* () {
 *     yield* body;
 *   })(),
 * };
 * await assertRejects(
 *   () => failedAnswer("Cannot upload", answer, { notFound: "", maxRetryAfterMs: 0 }),
 *   Error,
 *   "line 2 is not JSON",
 * );
 * ```
 */
export async function failedAnswer(
  what: string,
  res: Answer,
  options: FailedAnswerOptions,
): Promise<never> {
  const status = res.status;
  // The body may be cut short (the API answered before the upload was sent): keep the status.
  const api = apiErrorOf(await readBody(res.body, MAX_ERROR_BODY).catch(() => ""));
  const detail = api.message ? `: ${api.message}` : "";
  if (status === 401 || status === 403) {
    // The API's message for a bad key quotes part of it: only its code is kept.
    const source = options.keySource ? `; check the API key in ${options.keySource}` : "";
    throw new UserError(
      `${what}: the API refused the credentials (HTTP ${status}${
        api.code ? `, ${api.code}` : ""
      })${source}`,
      { code: "USER:AuthenticationFailed" },
    );
  }
  if (status === 404) {
    throw new UserError(`${what}: ${options.notFound} (HTTP 404)${detail}`, {
      code: "USER:NotFound",
    });
  }
  if (status === 429 && api.code === "insufficient_quota") {
    throw new UserError(`${what}: the account is out of quota (HTTP 429)${detail}`, {
      code: "USER:QuotaExceeded",
    });
  }
  if (status === 429) {
    throw new Retryable(
      `rate limited (HTTP 429)${detail}`,
      "SYSTEM:RateLimited",
      retryAfterMs(res.headers, options.maxRetryAfterMs),
    );
  }
  if (status >= 500) {
    throw new Retryable(
      `the API failed (HTTP ${status})${detail}`,
      "SYSTEM:ApiUnavailable",
      retryAfterMs(res.headers, options.maxRetryAfterMs),
    );
  }
  if (status === 400 || status === 413 || status === 422) {
    throw new UserError(`${what}: the API rejected the request (HTTP ${status})${detail}`, {
      code: "USER:InvalidInput",
    });
  }
  throw new UserError(`${what}: unexpected answer (HTTP ${status})${detail}`, {
    code: "USER:ApiError",
  });
}

/**
 * Throws what a failed connection is: a {@linkcode Retryable} (reset, refused, timeout), a
 * `SYSTEM:TlsError` that is not retried (an untrusted certificate), the abort reason when the
 * run was aborted, or the error itself when it is already classified.
 *
 * @example A refused connection is retried
 * ```ts
 * import { lostConnection, Retryable } from "./answers.ts";
 * import { assertThrows } from "@std/assert";
 *
 * assertThrows(
 *   () => lostConnection(new Error("connect ECONNREFUSED"), "http://127.0.0.1:1/v1"),
 *   Retryable,
 * );
 * ```
 */
export function lostConnection(error: unknown, baseUrl: string, signal?: AbortSignal): never {
  if (error instanceof UserError || error instanceof SystemError) throw error;
  if (error instanceof Retryable) throw error;
  if (signal?.aborted) throw signal.reason ?? error;
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: unknown })?.cause;
  const detail = `${message} ${cause instanceof Error ? cause.message : ""}`;
  if (/certificate|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(detail)) {
    throw new SystemError(
      `Cannot reach the OpenAI API at "${baseUrl}": its TLS certificate is not trusted (${detail.trim()}); for a private CA, set DENO_CERT`,
      { code: "SYSTEM:TlsError", recoverable: false, cause: error },
    );
  }
  throw new Retryable(`the connection failed: ${message}`, "SYSTEM:ApiUnavailable", undefined, {
    cause: error,
  });
}
