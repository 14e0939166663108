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
import { sleep } from "../../storage/retry.ts";
import type { Logger } from "../mod.ts";
import {
  type Answer,
  apiErrorOf,
  failedAnswer,
  lostConnection,
  MAX_ERROR_BODY,
  readBody,
  Retryable,
} from "./answers.ts";

/** The API base URL when `OPENAI_BASE_URL` is not set. */
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
  /**
   * First backoff when the API gives no `Retry-After`, doubled per retry up to 8 s. @default {1}
   */
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

  const fail = (what: string, res: Answer, notFound: string) =>
    failedAnswer(what, res, {
      notFound,
      keySource: options.keySource,
      maxRetryAfterMs: maxRetryAfter,
    });
  const lost = (error: unknown): never => lostConnection(error, options.baseUrl, signal);

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
