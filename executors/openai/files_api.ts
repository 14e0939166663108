// A small client of the OpenAI Files API (`POST /files`, `GET /files/{id}/content`): uploads a
// local file as a streamed multipart/form-data body with an exact Content-Length, downloads a
// file's content into a local file, retries rate limits, server errors and lost connections
// (honouring `Retry-After`), and turns every failure into a classified error that never holds the
// API key. Uploads go through `node:http(s)`: Deno's `fetch` sends a streamed body chunked,
// ignoring a Content-Length, and the Files API has been seen to misparse chunked uploads.
// Downloads go through `fetch`, whose body stream holds back the server (Deno's `node:http`
// client buffers ahead of a slow reader: 128 MiB peak for 100 MB, against 74 MiB with `fetch`).
import type { IncomingMessage, RequestOptions } from "node:http";
import { SystemError, UserError } from "../../errors.ts";
import type { Logger } from "../mod.ts";

/**
 * The API base URL when `OPENAI_BASE_URL` is not set.
 *
 * @example The default
 * ```ts
 * import { DEFAULT_OPENAI_BASE_URL } from "./files_api.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(DEFAULT_OPENAI_BASE_URL, "https://api.openai.com/v1");
 * ```
 */
export const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";

/** Options of {@linkcode createFilesApi}. */
export interface FilesApiOptions {
  /** The API base URL, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** The API key, sent as a bearer token. */
  apiKey: string;
  /** The `OpenAI-Organization` header, if any. */
  organization?: string;
  /** Where the key comes from, named in authentication errors (never the key itself). */
  keySource?: string;
  /** Retries after a 429, a 5xx or a lost connection. @default {4} */
  retries?: number;
  /** First backoff when the API gives no `Retry-After`, doubled per retry up to 8 s. @default {1} */
  backoffSeconds?: number;
  /** The longest `Retry-After` honoured; longer ones fall back to the backoff. @default {60} */
  maxRetryAfterSeconds?: number;
  /** Idle time after which a request is abandoned (and retried). @default {600000} */
  timeoutMs?: number;
  /**
   * Extra CA certificates (PEM) trusted besides the default roots. Downloads use `fetch`, which
   * reads `DENO_CERT` itself; uploads get these.
   */
  caCertificates?: readonly string[];
  /** Aborts requests and waits. */
  signal?: AbortSignal;
  /** Receives retry notices. */
  logger?: Logger;
}

/** What {@linkcode FilesApi.upload} sends. */
export interface UploadRequest {
  /** The local file. */
  path: string;
  /** Its size in bytes (the Content-Length is computed from it). */
  size: number;
  /** The file name given to the API. */
  filename: string;
  /** The `purpose` form field. @default {"batch"} */
  purpose?: string;
  /** What the error messages call the file (its storage URI). */
  label?: string;
}

/** The two Files API calls the batch file tasks make. */
export interface FilesApi {
  /** Uploads a local file (multipart, streamed) and returns the new file's id. */
  upload(request: UploadRequest): Promise<string>;
  /** Streams a file's content into a local file and returns its size in bytes. */
  download(fileId: string, localPath: string): Promise<number>;
}

/** A response that may be retried, with how long the API asked to wait. */
class Retryable extends Error {
  constructor(
    message: string,
    readonly code: string,
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

const MAX_ERROR_BODY = 64 * 1024;

/** Reads at most `limit` bytes of a body (error answers, the upload's JSON) as text. */
async function readBody(body: AsyncIterable<Uint8Array> | null, limit: number): Promise<string> {
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

/** The API's `{error: {message, code}}`, or the start of whatever else it sent. */
function apiErrorOf(text: string): ApiError {
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
 * import { retryAfterMs } from "./files_api.ts";
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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A file name safe inside a quoted Content-Disposition parameter. */
function safeFilename(name: string): string {
  const cleaned = name.replace(/[\r\n"\\]/g, "_").replace(/[^\x20-\x7e]/g, "_");
  return cleaned || "input.jsonl";
}

const CRLF = "\r\n";

/**
 * Creates a Files API client.
 *
 * @example A client for a compatible server
 * ```ts
 * import { createFilesApi } from "./files_api.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const api = createFilesApi({ baseUrl: "http://127.0.0.1:1/v1", apiKey: "sk-test" });
 * assertEquals(typeof api.upload, "function");
 * ```
 */
export function createFilesApi(options: FilesApiOptions): FilesApi {
  const base = new URL(options.baseUrl.replace(/\/+$/, "") + "/");
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new UserError(
      `Cannot use OpenAI base URL "${options.baseUrl}": the scheme must be http or https`,
      { code: "USER:InvalidConfig" },
    );
  }
  const retries = options.retries ?? 4;
  const backoff = (options.backoffSeconds ?? 1) * 1000;
  const maxRetryAfter = (options.maxRetryAfterSeconds ?? 60) * 1000;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const signal = options.signal;
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.apiKey}`,
    "user-agent": "flyteshim-openai-files",
  };
  if (options.organization) headers["openai-organization"] = options.organization;
  let ca: string[] | undefined;

  /** Sends one request; `write` streams the body. */
  async function send(
    method: string,
    path: string,
    extra: Record<string, string>,
    write?: (req: import("node:http").ClientRequest) => Promise<void>,
  ): Promise<IncomingMessage> {
    const https = base.protocol === "https:";
    const http = https ? await import("node:https") : await import("node:http");
    // Given certificates are added to the default roots, not put in their place.
    if (https && options.caCertificates?.length && !ca) {
      const { rootCertificates } = await import("node:tls");
      ca = [...rootCertificates, ...options.caCertificates];
    }
    const url = new URL(path, base);
    return await new Promise<IncomingMessage>((resolve, reject) => {
      const requestOptions: RequestOptions = {
        method,
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        headers: { ...headers, ...extra },
      };
      if (ca) (requestOptions as { ca?: string[] }).ca = ca;
      const req = http.request(requestOptions, resolve);
      const onAbort = () => req.destroy(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("close", () => signal?.removeEventListener("abort", onAbort));
      req.on("error", reject);
      req.setTimeout(timeoutMs, () => {
        req.destroy(new Error(`no answer for ${Math.round(timeoutMs / 1000)} s`));
      });
      if (signal?.aborted) return onAbort();
      if (!write) return void req.end();
      write(req).then(() => req.end(), (error) => req.destroy(error));
    });
  }

  /** Runs `attempt` with retries; maps what is left into classified errors. */
  async function withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let n = 0;; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (signal?.aborted) throw signal.reason ?? error;
        if (!(error instanceof Retryable)) throw error;
        if (n >= retries) {
          throw new SystemError(`${what}: ${error.message} (gave up after ${n + 1} attempts)`, {
            code: error.code,
            cause: error.cause,
          });
        }
        const wait = error.waitMs ??
          Math.min(backoff * 2 ** n, 8000) * (1 - 0.25 * Math.random());
        options.logger?.warn("Retrying an OpenAI Files API call", {
          call: what,
          reason: error.message,
          attempt: n + 1,
          waitMs: Math.round(wait),
        });
        await sleep(wait, signal);
      }
    }
  }

  /** Throws the classified error for a non-2xx answer (after reading its body). */
  async function fail(
    what: string,
    res: { status: number; headers: ResponseHeaders; body: AsyncIterable<Uint8Array> | null },
    notFound: string,
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
      throw new UserError(`${what}: ${notFound} (HTTP 404)${detail}`, { code: "USER:NotFound" });
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
        retryAfterMs(res.headers, maxRetryAfter),
      );
    }
    if (status >= 500) {
      throw new Retryable(
        `the API failed (HTTP ${status})${detail}`,
        "SYSTEM:ApiUnavailable",
        retryAfterMs(res.headers, maxRetryAfter),
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

  /** Connection failures (reset, refused, timeout) are retried; certificate failures are not. */
  function lost(error: unknown): never {
    if (error instanceof UserError || error instanceof SystemError) throw error;
    if (error instanceof Retryable) throw error;
    if (signal?.aborted) throw signal.reason ?? error;
    const message = error instanceof Error ? error.message : String(error);
    const cause = (error as { cause?: unknown })?.cause;
    const detail = `${message} ${cause instanceof Error ? cause.message : ""}`;
    if (/certificate|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(detail)) {
      throw new SystemError(
        `Cannot reach the OpenAI API at "${options.baseUrl}": its TLS certificate is not trusted (${detail.trim()}); for a private CA, set DENO_CERT`,
        { code: "SYSTEM:TlsError", recoverable: false, cause: error },
      );
    }
    throw new Retryable(`the connection failed: ${message}`, "SYSTEM:ApiUnavailable", undefined, {
      cause: error,
    });
  }

  return {
    upload(request) {
      const label = request.label ?? request.path;
      const what = `Cannot upload "${label}" to the OpenAI Files API`;
      const boundary = `flyteshim-${crypto.randomUUID()}`;
      const encoder = new TextEncoder();
      const head = encoder.encode(
        `--${boundary}${CRLF}Content-Disposition: form-data; name="purpose"${CRLF}${CRLF}` +
          `${request.purpose ?? "batch"}${CRLF}--${boundary}${CRLF}` +
          `Content-Disposition: form-data; name="file"; filename="${
            safeFilename(request.filename)
          }"${CRLF}Content-Type: application/octet-stream${CRLF}${CRLF}`,
      );
      const tail = encoder.encode(`${CRLF}--${boundary}--${CRLF}`);
      const length = head.length + request.size + tail.length;
      return withRetries(what, async () => {
        let res: IncomingMessage;
        try {
          res = await send("POST", "files", {
            "content-type": `multipart/form-data; boundary=${boundary}`,
            "content-length": String(length),
            accept: "application/json",
          }, async (req) => {
            const wait = () =>
              new Promise<void>((resolve, reject) => {
                const done = (error?: unknown) => {
                  req.off("drain", done);
                  req.off("close", closed);
                  error ? reject(error) : resolve();
                };
                const closed = () => done(new Error("the connection closed while sending"));
                req.once("drain", done);
                req.once("close", closed);
              });
            if (!req.write(head)) await wait();
            using file = await Deno.open(request.path);
            let sent = 0;
            for await (const chunk of file.readable) {
              sent += chunk.length;
              if (sent > request.size) break;
              if (!req.write(chunk)) await wait();
            }
            if (sent !== request.size) {
              throw new SystemError(
                `${what}: the file changed while it was sent (${request.size} bytes expected, ${sent} read)`,
                { code: "SYSTEM:SourceChanged" },
              );
            }
            req.write(tail);
          });
        } catch (error) {
          return lost(error);
        }
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          const answer = { status, headers: res.headers, body: res };
          return await fail(what, answer, "the API has no such endpoint; check OPENAI_BASE_URL");
        }
        let body: { id?: unknown };
        const text = await readBody(res, MAX_ERROR_BODY).catch(lost);
        try {
          body = JSON.parse(text);
        } catch (cause) {
          throw new SystemError(
            `${what}: the API's answer is not JSON: ${apiErrorOf(text).message}`,
            {
              code: "SYSTEM:ApiError",
              cause,
            },
          );
        }
        if (typeof body?.id !== "string" || body.id === "") {
          throw new SystemError(`${what}: the API's answer has no file id`, {
            code: "SYSTEM:ApiError",
          });
        }
        return body.id;
      });
    },

    download(fileId, localPath) {
      const what = `Cannot download OpenAI file "${fileId}"`;
      const url = new URL(`files/${encodeURIComponent(fileId)}/content`, base);
      return withRetries(what, async () => {
        // An idle timer: a download that stops moving for timeoutMs is abandoned (and retried).
        const idle = new AbortController();
        let timer = setTimeout(() => idle.abort(), timeoutMs);
        const poke = () => {
          clearTimeout(timer);
          timer = setTimeout(() => idle.abort(), timeoutMs);
        };
        const requestSignal = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
        try {
          let res: Response;
          try {
            res = await fetch(url, { headers, signal: requestSignal });
          } catch (error) {
            return lost(idle.signal.aborted ? new Error("no answer in time") : error);
          }
          if (!res.ok) {
            return await fail(what, {
              ...res,
              status: res.status,
              headers: res.headers,
              body: res.body,
            }, "the API has no such file");
          }
          using file = await Deno.open(localPath, { write: true, create: true, truncate: true });
          let size = 0;
          try {
            for await (const chunk of res.body ?? []) {
              poke();
              for (let at = 0; at < chunk.length;) at += await file.write(chunk.subarray(at));
              size += chunk.length;
            }
          } catch (error) {
            return lost(idle.signal.aborted ? new Error("the content stopped arriving") : error);
          }
          const expected = Number(res.headers.get("content-length") ?? NaN);
          if (!Number.isNaN(expected) && expected !== size) {
            throw new Retryable(
              `the content ended after ${size} of ${expected} bytes`,
              "SYSTEM:ApiUnavailable",
              undefined,
            );
          }
          return size;
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}
