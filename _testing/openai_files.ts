/**
 * Test harness: a small local server for the parts of the OpenAI Files API the batch file tasks
 * use (there is no official emulator). It answers `POST /v1/files` (multipart/form-data with
 * `purpose=batch`) and `GET /v1/files/{id}/content`, checks the bearer key, can be told to fail
 * the next requests (any status, `Retry-After`), and records what it received: headers, form
 * fields and the uploaded file's size and SHA-256 (bodies are spooled to disk, so a 100 MB upload
 * costs the test process no memory).
 *
 * ```ts ignore
 * const api = await startFilesApi({ apiKey: "sk-test" });
 * api.addFile("file-out", new TextEncoder().encode('{"id": 1}\n'));
 * // point a run at api.baseUrl (OPENAI_BASE_URL), then look at api.requests
 * await api.stop();
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import { disposable } from "./service.ts";

/** A scripted answer for the next matching request. */
export interface ScriptedFailure {
  /** Only requests whose method is this. */
  method?: "GET" | "POST";
  /** HTTP status (unused with `hang`). */
  status?: number;
  /** Extra response headers (e.g. `retry-after`). */
  headers?: Record<string, string>;
  /** The API's error message. */
  message?: string;
  /** The API's error code. */
  code?: string;
  /** Send this many bytes of the content, then drop the connection (GET only). */
  truncateAt?: number;
  /** Never answer (until the client goes away). */
  hang?: boolean;
}

/** What the server received in one request. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  status: number;
  /** Upload: the `purpose` field. */
  purpose?: string;
  /** Upload: the file part's file name. */
  filename?: string;
  /** Upload: the file part's size. */
  fileSize?: number;
  /** Upload: the file part's SHA-256 (hex). */
  fileSha256?: string;
  /** Upload: the file part's bytes, when at most 1 MiB. */
  fileBytes?: Uint8Array;
}

/** A running Files API server. */
export interface FilesApiServer extends AsyncDisposable {
  /** `http(s)://127.0.0.1:<port>/v1`, for `OPENAI_BASE_URL`. */
  baseUrl: string;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** Ids of the files uploaded, in order. */
  uploaded: string[];
  /** Serves `bytes` as the content of file `id`. */
  addFile(id: string, bytes: Uint8Array): void;
  /** Answers the next matching requests with these failures, in order. */
  fail(...failures: ScriptedFailure[]): void;
  /** Stops the server and removes its spool folder. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startFilesApi}. */
export interface FilesApiServerOptions {
  /** The key the server accepts as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** Validate that every uploaded line is JSON (files up to 1 MiB). @default {true} */
  validateJsonl?: boolean;
  /** Serve HTTPS with this certificate and key (PEM file paths). */
  tls?: { cert: string; key: string };
}

function apiError(status: number, message: string, code?: string, headers = {}): Response {
  return Response.json({
    error: { message, type: "invalid_request_error", param: null, code: code ?? null },
  }, { status, headers });
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

async function readRange(path: string, start: number, length: number): Promise<Uint8Array> {
  using file = await Deno.open(path);
  await file.seek(start, Deno.SeekMode.Start);
  const out = new Uint8Array(length);
  let at = 0;
  while (at < length) {
    const n = await file.read(out.subarray(at));
    if (n === null) break;
    at += n;
  }
  return out.subarray(0, at);
}

/** Parses the spooled multipart body: fields in the first 64 KiB, the file part streamed. */
async function parseUpload(
  path: string,
  size: number,
  boundary: string,
): Promise<
  { purpose?: string; filename?: string; start: number; end: number } | string
> {
  const enc = new TextEncoder();
  const head = await readRange(path, 0, Math.min(size, 65536));
  const text = new TextDecoder("latin1").decode(head);
  const purpose = /name="purpose"\r\n\r\n([^\r]*)\r\n/.exec(text)?.[1];
  const fileHeader =
    /Content-Disposition: form-data; name="file"; filename="([^"]*)"\r\n(?:[^\r]+\r\n)*\r\n/i
      .exec(text);
  if (!fileHeader) return "no file part";
  const start = fileHeader.index + fileHeader[0].length;
  const closing = enc.encode(`\r\n--${boundary}--`);
  const tail = await readRange(path, Math.max(0, size - 256), Math.min(size, 256));
  const at = indexOf(tail, closing);
  if (at < 0) return "no closing boundary";
  return { purpose, filename: fileHeader[1], start, end: Math.max(0, size - 256) + at };
}

/** Starts the server on a free loopback port. */
export async function startFilesApi(options: FilesApiServerOptions): Promise<FilesApiServer> {
  const spool = await Deno.makeTempDir({ prefix: "openai-files-" });
  const files = new Map<string, Uint8Array>();
  const failures: ScriptedFailure[] = [];
  const requests: RecordedRequest[] = [];
  const uploaded: string[] = [];
  let counter = 0;

  async function handle(req: Request, record: RecordedRequest): Promise<Response> {
    const url = new URL(req.url);
    const at = failures.findIndex((f) => !f.method || f.method === req.method);
    const failure = at >= 0 ? failures.splice(at, 1)[0] : undefined;
    if (failure?.hang) {
      await new Promise((resolve) => req.signal.addEventListener("abort", resolve));
      return new Response(null, { status: 499 });
    }
    if (failure && failure.truncateAt === undefined) {
      await req.body?.cancel();
      return apiError(
        failure.status ?? 500,
        failure.message ?? `Scripted failure ${failure.status}`,
        failure.code,
        failure.headers,
      );
    }
    if (req.headers.get("authorization") !== `Bearer ${options.apiKey}`) {
      await req.body?.cancel();
      const given = (req.headers.get("authorization") ?? "").replace(/^Bearer /, "");
      // As the real API: the message quotes part of the key.
      return apiError(
        401,
        `Incorrect API key provided: ${given.slice(0, 3)}***${given.slice(-4)}.`,
        "invalid_api_key",
      );
    }
    const content = /^\/v1\/files\/([^/]+)\/content$/.exec(url.pathname);
    if (req.method === "GET" && content) {
      const id = decodeURIComponent(content[1]);
      const bytes = files.get(id);
      if (!bytes) return apiError(404, `No such File object: ${id}`);
      if (failure?.truncateAt !== undefined) {
        const cut = failure.truncateAt;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes.subarray(0, cut));
            controller.error(new Error("dropped"));
          },
        });
        return new Response(body, {
          headers: {
            "content-type": "application/octet-stream",
            "content-length": String(bytes.length),
          },
        });
      }
      return new Response(bytes as Uint8Array<ArrayBuffer>, {
        headers: { "content-type": "application/octet-stream" },
      });
    }
    if (req.method === "POST" && url.pathname === "/v1/files") {
      const type = req.headers.get("content-type") ?? "";
      const boundary = /boundary=([^;]+)/.exec(type)?.[1];
      if (!type.startsWith("multipart/form-data") || !boundary) {
        await req.body?.cancel();
        return apiError(400, "Expected a multipart/form-data body");
      }
      const path = `${spool}/${++counter}.body`;
      let size = 0;
      {
        using out = await Deno.open(path, { write: true, create: true });
        for await (const chunk of req.body!) {
          for (let at = 0; at < chunk.length;) at += await out.write(chunk.subarray(at));
          size += chunk.length;
        }
      }
      const parsed = await parseUpload(path, size, boundary);
      if (typeof parsed === "string") {
        await Deno.remove(path);
        return apiError(400, `Malformed multipart body: ${parsed}`);
      }
      const fileSize = parsed.end - parsed.start;
      const hash = createHash("sha256");
      {
        using file = await Deno.open(path);
        await file.seek(parsed.start, Deno.SeekMode.Start);
        let left = fileSize;
        const buffer = new Uint8Array(1 << 20);
        while (left > 0) {
          const n = await file.read(buffer.subarray(0, Math.min(buffer.length, left)));
          if (n === null) break;
          hash.update(buffer.subarray(0, n));
          left -= n;
        }
      }
      record.purpose = parsed.purpose;
      record.filename = parsed.filename;
      record.fileSize = fileSize;
      record.fileSha256 = hash.digest("hex");
      const small = fileSize <= 1 << 20 ? await readRange(path, parsed.start, fileSize) : undefined;
      if (small) record.fileBytes = small;
      await Deno.remove(path);
      if (parsed.purpose !== "batch") {
        return apiError(400, `'${parsed.purpose}' is not one of ['batch'] - 'purpose'`);
      }
      if (options.validateJsonl !== false && small) {
        const lines = new TextDecoder().decode(small).split("\n");
        for (const [i, line] of lines.entries()) {
          if (!line.trim()) continue;
          try {
            JSON.parse(line);
          } catch {
            return apiError(
              400,
              `Invalid file format for Batch API: line ${i + 1} is not valid JSON`,
              "invalid_file_format",
            );
          }
        }
      }
      const id = `file-${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
      uploaded.push(id);
      return Response.json({
        id,
        object: "file",
        bytes: fileSize,
        created_at: Math.floor(Date.now() / 1000),
        filename: parsed.filename,
        purpose: "batch",
      });
    }
    await req.body?.cancel();
    return apiError(404, `Unknown request URL: ${req.method} ${url.pathname}`);
  }

  const controller = new AbortController();
  const tls = options.tls
    ? {
      cert: await Deno.readTextFile(options.tls.cert),
      key: await Deno.readTextFile(options.tls.key),
    }
    : {};
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen() {}, ...tls },
    async (req) => {
      const url = new URL(req.url);
      const record: RecordedRequest = {
        method: req.method,
        path: url.pathname,
        headers: Object.fromEntries(req.headers),
        status: 0,
      };
      requests.push(record);
      const res = await handle(req, record);
      record.status = res.status;
      return res;
    },
  );
  return disposable<Omit<FilesApiServer, typeof Symbol.asyncDispose>>({
    baseUrl: `${options.tls ? "https" : "http"}://127.0.0.1:${server.addr.port}/v1`,
    requests,
    uploaded,
    addFile: (id, bytes) => void files.set(id, bytes),
    fail: (...list) => void failures.push(...list),
    async stop() {
      controller.abort();
      await server.finished;
      await Deno.remove(spool, { recursive: true }).catch(() => {});
    },
  });
}
