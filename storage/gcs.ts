// The gs:// backend: Google Cloud Storage's JSON API over the runtime's fetch (so DENO_CERT
// applies), with the project's retry policy. Tokens: none for an emulator or anonymous reads; the
// metadata server's (GKE workload identity, GCE) by one local GET; google-auth-library, imported
// only then, for a credentials file (service-account key, external account). Large files go up in
// one resumable session, streamed from disk and resumed where they stopped after a failure.
import { StorageError, type StorageOperation } from "../errors.ts";
import { concatBytes } from "./_bytes.ts";
import { type GcsConfig, gcsConfigFromEnv } from "./config.ts";
import { dirname } from "./_path.ts";
import { fetchFailure, TLS_VERIFY, transientAnswer, TransientError } from "./_fetch.ts";
import { type RetryPolicy, retryPolicy, withRetryAndIdleTimeout } from "./retry.ts";
import type {
  DownloadOptions,
  StorageBackend,
  StorageCallOptions,
  StorageOptions,
  UploadOptions,
} from "./types.ts";

const DEFAULT_ENDPOINT = "https://storage.googleapis.com";
const DEFAULT_SIMPLE_LIMIT = 8 * 1024 * 1024;
const METADATA_TIMEOUT_MS = 3_000;

/** A bucket and object name parsed from `gs://bucket/name`. */
export interface GcsLocation {
  /** Bucket name. */
  bucket: string;
  /** Object name or name prefix, possibly empty. */
  name: string;
}

/** Parses `gs://bucket/name`; a URI without a bucket is a user error. */
export function parseGcsUri(uri: string, operation: StorageOperation): GcsLocation {
  const match = /^gs:\/\/([^/?#]+)\/?(.*)$/i.exec(uri);
  if (!match) {
    throw new StorageError(operation, uri, "expected gs://<bucket>/<name>", {
      origin: "user",
      code: "USER:InvalidInput",
    });
  }
  return { bucket: match[1], name: match[2] };
}

/** Creates the GCS backend; settings come from `options.gcs`, else from the environment. */
export function createBackend(options: StorageOptions): StorageBackend {
  return new GcsStorage(
    options.gcs ?? gcsConfigFromEnv(options.env ?? Deno.env.toObject()),
    options.metadata,
  );
}

/** What the JSON API says in an error answer. */
async function apiMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const message = JSON.parse(text)?.error?.message;
    if (typeof message === "string") return message;
  } catch {
    // Not JSON.
  }
  return text.slice(0, 200).trim();
}

type TokenSource = () => Promise<string | undefined>;

/** The backend for `gs://` URIs. */
export class GcsStorage implements StorageBackend {
  readonly #config: GcsConfig;
  readonly #base: string;
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #metadata: Record<string, string>;
  #token?: TokenSource;

  /** Creates the backend for `config`; `metadata` is added to every upload. */
  constructor(config: GcsConfig, metadata: Record<string, string> = {}) {
    this.#config = config;
    this.#base = (config.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, "");
    this.#policy = retryPolicy(config);
    this.#timeoutMs = (config.timeoutSeconds ?? 60) * 1000;
    this.#metadata = metadata;
  }

  read(uri: string, options?: StorageCallOptions): Promise<Uint8Array> {
    const { bucket, name } = parseGcsUri(uri, "read");
    return this.#run("read", uri, options?.signal, async (signal, touch) => {
      const res = await this.#fetch("read", uri, this.#objectUrl(bucket, name, "alt=media"), {
        signal,
      });
      return await body(res, touch);
    });
  }

  async download(uri: string, localPath: string, options?: DownloadOptions): Promise<void> {
    const { bucket, name } = parseGcsUri(uri, "download");
    await this.#run("download", uri, options?.signal, async (signal, touch) => {
      const res = await this.#fetch("download", uri, this.#objectUrl(bucket, name, "alt=media"), {
        signal,
      });
      const total = Number(res.headers.get("content-length") ?? NaN);
      await Deno.mkdir(dirname(localPath), { recursive: true });
      using file = await Deno.open(localPath, { write: true, create: true, truncate: true });
      let received = 0;
      await chunks(res, async (chunk) => {
        touch();
        for (let done = 0; done < chunk.length;) {
          done += await file.write(done ? chunk.subarray(done) : chunk);
        }
        received += chunk.length;
        options?.onProgress?.(received, Number.isFinite(total) ? total : undefined);
      });
      if (!res.headers.get("content-encoding") && Number.isFinite(total) && received !== total) {
        throw new TransientError(`the answer was cut after ${received} of ${total} bytes`);
      }
    });
  }

  async write(uri: string, data: Uint8Array, options?: UploadOptions): Promise<void> {
    const location = parseGcsUri(uri, "write");
    await this.#multipart("write", uri, location, data, options);
  }

  async upload(localPath: string, uri: string, options?: UploadOptions): Promise<void> {
    const location = parseGcsUri(uri, "upload");
    let size: number;
    try {
      const info = await Deno.stat(localPath);
      if (!info.isFile) throw new Error("not a file");
      size = info.size;
    } catch (cause) {
      throw new StorageError("upload", uri, `cannot read local file "${localPath}"`, {
        origin: "user",
        code: "USER:NotFound",
        cause,
      });
    }
    if (size <= (this.#config.simpleUploadLimit ?? DEFAULT_SIMPLE_LIMIT)) {
      return this.#multipart("upload", uri, location, await Deno.readFile(localPath), options);
    }
    await this.#resumable(uri, location, localPath, size, options);
  }

  exists(uri: string, options?: StorageCallOptions): Promise<boolean> {
    const { bucket, name } = parseGcsUri(uri, "exists");
    return this.#run("exists", uri, options?.signal, async (signal) => {
      const path = name.replace(/\/+$/, "");
      const url = path
        ? this.#objectUrl(bucket, name)
        : `${this.#base}/storage/v1/b/${encodeURIComponent(bucket)}`;
      const res = await this.#fetch("exists", uri, url, { signal, pass: [404] });
      await res.body?.cancel();
      if (res.ok) return true;
      if (!path) return false;
      // Not an object: a "folder" exists when some object lies below it.
      const page = await this.#listPage("exists", uri, bucket, folderPrefix(name), 1, signal);
      return (page.items ?? []).length > 0;
    });
  }

  list(prefix: string, options?: StorageCallOptions): Promise<string[]> {
    const { bucket, name } = parseGcsUri(prefix, "list");
    return this.#run("list", prefix, options?.signal, async (signal) => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await this.#listPage(
          "list",
          prefix,
          bucket,
          folderPrefix(name),
          this.#config.listPageSize ?? 1000,
          signal,
          token,
        );
        for (const item of page.items ?? []) {
          // Zero-byte "folder" objects the console creates are not files.
          if (!item.name.endsWith("/")) out.push(`gs://${bucket}/${item.name}`);
        }
        token = page.nextPageToken;
      } while (token);
      return out;
    });
  }

  async #listPage(
    operation: StorageOperation,
    uri: string,
    bucket: string,
    prefix: string,
    maxResults: number,
    signal: AbortSignal,
    pageToken?: string,
  ): Promise<{ items?: { name: string }[]; nextPageToken?: string }> {
    const query = new URLSearchParams({ prefix, maxResults: String(maxResults) });
    if (pageToken) query.set("pageToken", pageToken);
    const url = `${this.#base}/storage/v1/b/${encodeURIComponent(bucket)}/o?${query}`;
    const res = await this.#fetch(operation, uri, url, { signal });
    try {
      return await res.json();
    } catch (cause) {
      throw new TransientError(`unreadable listing: ${fetchFailure(cause)}`);
    }
  }

  #objectUrl(bucket: string, name: string, query?: string): string {
    const url = `${this.#base}/storage/v1/b/${encodeURIComponent(bucket)}/o/${
      encodeURIComponent(name)
    }`;
    return query ? `${url}?${query}` : url;
  }

  #resource(location: GcsLocation, options?: UploadOptions): Record<string, unknown> {
    const metadata = { ...this.#metadata, ...options?.metadata };
    return {
      name: location.name,
      ...(options?.contentType ? { contentType: options.contentType } : {}),
      ...(Object.keys(metadata).length ? { metadata } : {}),
    };
  }

  /** One multipart request (resource and bytes); the body is in memory, so it can be retried. */
  async #multipart(
    operation: StorageOperation,
    uri: string,
    location: GcsLocation,
    data: Uint8Array,
    options?: UploadOptions,
  ): Promise<void> {
    const boundary = `flyteshim-${crypto.randomUUID()}`;
    const encoder = new TextEncoder();
    const head = encoder.encode(
      `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${
        JSON.stringify(this.#resource(location, options))
      }\r\n--${boundary}\r\nContent-Type: ${
        options?.contentType ?? "application/octet-stream"
      }\r\n\r\n`,
    );
    const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
    const payload = new Uint8Array(head.length + data.length + tail.length);
    payload.set(head);
    payload.set(data, head.length);
    payload.set(tail, head.length + data.length);
    const url = `${this.#base}/upload/storage/v1/b/${
      encodeURIComponent(location.bucket)
    }/o?uploadType=multipart`;
    await this.#run(operation, uri, options?.signal, async (signal) => {
      const res = await this.#fetch(operation, uri, url, {
        signal,
        method: "POST",
        body: payload,
        headers: { "content-type": `multipart/related; boundary=${boundary}` },
      });
      await res.body?.cancel();
    });
  }

  /**
   * A resumable upload: one session, then the file streamed from disk (in one request, or in
   * `chunkSize` requests). After a failure the session is asked how much it kept, and the upload
   * goes on from there; memory stays at one chunk at most.
   */
  async #resumable(
    uri: string,
    location: GcsLocation,
    localPath: string,
    size: number,
    options?: UploadOptions,
  ): Promise<void> {
    const start = `${this.#base}/upload/storage/v1/b/${
      encodeURIComponent(location.bucket)
    }/o?uploadType=resumable`;
    const open = async (signal: AbortSignal) => {
      const res = await this.#fetch("upload", uri, start, {
        signal,
        method: "POST",
        body: JSON.stringify(this.#resource(location, options)),
        headers: {
          "content-type": "application/json; charset=UTF-8",
          "x-upload-content-length": String(size),
          ...(options?.contentType ? { "x-upload-content-type": options.contentType } : {}),
        },
      });
      await res.body?.cancel();
      const at = res.headers.get("location");
      if (!at) throw new TransientError("the upload session has no location");
      return at;
    };
    const chunkSize = this.#config.chunkSize;
    let session: string | undefined;
    let offset = 0;
    let asked = false;
    await this.#run("upload", uri, options?.signal, async (signal, touch) => {
      if (session && asked) {
        // After a failure: how much did the session keep?
        const res = await this.#fetch("upload", uri, session, {
          signal,
          method: "PUT",
          headers: { "content-range": `bytes */${size}` },
          pass: [308, 404, 410],
        });
        if (res.status === 404 || res.status === 410) {
          // The session expired (a week on GCS) or was lost: start over in a new one.
          await res.body?.cancel();
          session = undefined;
          offset = 0;
        } else if (res.status !== 308) {
          // Finished after all, if the object has every byte (an emulator may finish early).
          if (await storedSize(res) === size) return;
          session = undefined;
          offset = 0;
        } else {
          await res.body?.cancel();
          offset = keptBytes(res);
        }
      }
      session ??= await open(signal);
      asked = true;
      while (offset < size) {
        const end = chunkSize ? Math.min(size, offset + chunkSize) : size;
        using file = await Deno.open(localPath);
        await file.seek(offset, Deno.SeekMode.Start);
        const body = end === size
          ? progress(file.readable, touch)
          : await readExactly(file, end - offset);
        const res = await this.#fetch("upload", uri, session, {
          signal,
          method: "PUT",
          body,
          headers: {
            "content-length": String(end - offset),
            "content-range": `bytes ${offset}-${end - 1}/${end === size ? size : "*"}`,
          },
          pass: [308, 404, 410],
        });
        touch();
        if (res.status === 404 || res.status === 410) {
          await res.body?.cancel();
          session = undefined;
          offset = 0;
          throw new TransientError(`the upload session is gone (HTTP ${res.status})`);
        }
        if (res.status !== 308) {
          const stored = await storedSize(res);
          if (end !== size || (stored !== undefined && stored !== size)) {
            throw new StorageError(
              "upload",
              uri,
              `the upload session ended with ${stored ?? end} of ${size} bytes stored`,
              { origin: "system", code: "SYSTEM:StorageError" },
            );
          }
          return;
        }
        await res.body?.cancel();
        offset = keptBytes(res);
        if (end === size && offset >= size) {
          throw new TransientError("the upload session did not finish the object");
        }
      }
    });
  }

  /** The Authorization header's token, or `undefined` when none is sent. */
  #tokenSource(): TokenSource {
    if (this.#token) return this.#token;
    const config = this.#config;
    if (config.emulator || config.anonymous) {
      this.#token = () => Promise.resolve(undefined);
    } else if (config.credentialsFile) {
      this.#token = fileTokenSource(config.credentialsFile, this.#base);
    } else {
      this.#token = metadataTokenSource(config.metadataHost ?? "169.254.169.254");
    }
    return this.#token;
  }

  /** Sends one request; statuses in `pass` are returned, other failures throw classified. */
  async #fetch(
    operation: StorageOperation,
    uri: string,
    url: string,
    init: {
      signal: AbortSignal;
      method?: string;
      body?: BodyInit;
      headers?: Record<string, string>;
      pass?: number[];
    },
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    const token = await this.#tokenSource()().catch((error) => {
      throw tokenError(operation, uri, error);
    });
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: init.method ?? "GET",
        body: init.body,
        headers,
        signal: init.signal,
      });
    } catch (cause) {
      if (init.signal.aborted) throw cause;
      const reason = fetchFailure(cause);
      if (TLS_VERIFY.test(reason)) {
        throw new StorageError(
          operation,
          uri,
          `the server's TLS certificate was not accepted: ${reason}`,
          {
            origin: "user",
            code: "USER:InvalidConfig",
          },
        );
      }
      throw new TransientError(reason);
    }
    if (res.ok || init.pass?.includes(res.status)) return res;
    const message = await apiMessage(res);
    const what = `HTTP ${res.status}${message ? `: ${message}` : ""}`;
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      throw transientAnswer(res, what);
    }
    if (res.status === 404) {
      const bucket = parseGcsUri(uri, operation).bucket;
      const detail = /bucket/i.test(message)
        ? `bucket "${bucket}" does not exist`
        : "object does not exist";
      throw new StorageError(operation, uri, detail, { origin: "user", code: "USER:NotFound" });
    }
    if (res.status === 401 || res.status === 403) {
      throw new StorageError(operation, uri, `access denied (${what})`, {
        origin: "user",
        code: "USER:AccessDenied",
      });
    }
    throw new StorageError(operation, uri, `request refused (${what})`, { origin: "user" });
  }

  /**
   * Runs one operation with retries. Each attempt gets a signal that aborts after `timeoutSeconds`
   * without progress (`touch()` marks progress) or when the caller's signal aborts.
   */
  async #run<T>(
    operation: StorageOperation,
    uri: string,
    outer: AbortSignal | undefined,
    attempt: (signal: AbortSignal, touch: () => void) => Promise<T>,
  ): Promise<T> {
    const attempts = { count: 0 };
    try {
      return await withRetryAndIdleTimeout(attempt, {
        policy: this.#policy,
        signal: outer,
        isTransient: (error) => error instanceof TransientError,
        retryAfterMs: (error) => (error as TransientError).retryAfterMs,
        timeoutMs: this.#timeoutMs,
        onIdle: () => new TransientError(`no progress for ${this.#timeoutMs / 1000} s`),
        attempts,
      });
    } catch (error) {
      if (error instanceof StorageError) throw error;
      if (outer?.aborted) {
        throw new StorageError(operation, uri, "aborted", { code: "SYSTEM:Aborted", cause: error });
      }
      const detail = error instanceof Error ? error.message : String(error);
      throw new StorageError(
        operation,
        uri,
        attempts.count > 1 ? `${detail} (after ${attempts.count} attempts)` : detail,
        { origin: "system", code: "SYSTEM:StorageError" },
      );
    }
  }
}

/** The `size` of the object resource a finished upload answers with, if it says. */
async function storedSize(res: Response): Promise<number | undefined> {
  try {
    const size = Number((await res.json())?.size);
    return Number.isFinite(size) ? size : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes the session kept, from its `Range: bytes=0-N` answer (none: 0). */
function keptBytes(res: Response): number {
  const range = /bytes=0-(\d+)/.exec(res.headers.get("range") ?? "");
  return range ? Number(range[1]) + 1 : 0;
}

async function readExactly(
  file: Deno.FsFile,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(length);
  for (let at = 0; at < length;) {
    const n = await file.read(out.subarray(at));
    if (n === null) throw new TransientError("the local file shrank during the upload");
    at += n;
  }
  return out;
}

function progress(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
  touch: () => void,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  return stream.pipeThrough(
    new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
      transform(chunk, controller) {
        touch();
        controller.enqueue(chunk);
      },
    }),
  );
}

async function chunks(res: Response, onChunk: (chunk: Uint8Array) => void | Promise<void>) {
  if (!res.body) return;
  const reader = res.body.getReader();
  try {
    while (true) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (cause) {
        throw new TransientError(`the answer was cut: ${fetchFailure(cause)}`);
      }
      if (next.done) return;
      await onChunk(next.value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

async function body(res: Response, touch: () => void): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await chunks(res, (chunk) => {
    touch();
    parts.push(chunk);
  });
  const out = concatBytes(parts);
  const size = out.length;
  // A compressed answer (objects stored with Content-Encoding: gzip) is decoded by fetch, so its
  // length no longer matches; otherwise a short body is a cut connection.
  const expected = res.headers.get("content-encoding")
    ? NaN
    : Number(res.headers.get("content-length") ?? NaN);
  if (Number.isFinite(expected) && expected !== size) {
    throw new TransientError(`the answer was cut after ${size} of ${expected} bytes`);
  }
  return out;
}

function folderPrefix(name: string): string {
  return name === "" || name.endsWith("/") ? name : `${name}/`;
}

/**
 * A token failure: no source answers (SYSTEM, not recoverable), the source refuses the
 * credentials (USER:AccessDenied), or the credentials file is unusable (USER:InvalidConfig).
 */
class TokenError extends Error {
  constructor(message: string, readonly kind: "missing" | "refused" | "config") {
    super(message);
    this.name = "TokenError";
  }
}

function tokenError(operation: StorageOperation, uri: string, error: unknown): StorageError {
  if (error instanceof TokenError && error.kind === "refused") {
    return new StorageError(operation, uri, `Google refused the credentials: ${error.message}`, {
      origin: "user",
      code: "USER:AccessDenied",
    });
  }
  if (error instanceof TokenError && error.kind === "config") {
    return new StorageError(operation, uri, error.message, {
      origin: "user",
      code: "USER:InvalidConfig",
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageError(
    operation,
    uri,
    `no Google credentials found: set GOOGLE_APPLICATION_CREDENTIALS, run where the metadata server answers (GKE workload identity, GCE), or set STORAGE_EMULATOR_HOST: ${detail}`,
    { origin: "system", code: "SYSTEM:StorageError", recoverable: false },
  );
}

/**
 * Tokens of the metadata server (GKE workload identity, GCE), cached until shortly before expiry.
 */
function metadataTokenSource(host: string): TokenSource {
  let cached: { token: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async () => {
    const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/token`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { "metadata-flavor": "Google" },
        signal: AbortSignal.timeout(METADATA_TIMEOUT_MS),
      });
    } catch (cause) {
      throw new TokenError(
        `the metadata server at ${host} did not answer: ${fetchFailure(cause)}`,
        "missing",
      );
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => "")).slice(0, 200).trim();
      throw new TokenError(
        `the metadata server answered HTTP ${res.status}${text ? `: ${text}` : ""}`,
        res.status === 401 || res.status === 403 || res.status === 404 ? "refused" : "missing",
      );
    }
    const answer = await res.json() as { access_token?: string; expires_in?: number };
    if (!answer.access_token) throw new TokenError("the metadata server sent no token", "missing");
    cached = {
      token: answer.access_token,
      until: Date.now() + Math.max(0, (answer.expires_in ?? 300) - 60) * 1000,
    };
    return answer.access_token;
  };
  return async () => {
    if (cached && Date.now() < cached.until) return cached.token;
    pending ??= fetchToken().finally(() => pending = undefined);
    return await pending;
  };
}

/**
 * Tokens for a credentials file, through google-auth-library (imported on first use): a
 * service-account key signs its own JWT for the storage endpoint; an external account exchanges
 * its subject token at its token URL; a user's refresh token is exchanged at Google's token
 * endpoint. The library caches and refreshes. The file is the pod's own configuration, so its
 * URLs are trusted as written.
 */
function fileTokenSource(path: string, endpoint: string): TokenSource {
  type Client = { getRequestHeaders(url?: string): Promise<unknown> };
  let client: Promise<Client> | undefined;
  const unusable = (detail: string) =>
    new TokenError(`cannot use GOOGLE_APPLICATION_CREDENTIALS "${path}": ${detail}`, "config");
  const load = async (): Promise<Client> => {
    let json: Record<string, unknown> & { type?: string };
    try {
      json = JSON.parse(await Deno.readTextFile(path));
    } catch (cause) {
      throw unusable(cause instanceof SyntaxError ? "not JSON" : fetchFailure(cause));
    }
    const auth = await import("google-auth-library");
    const text = (name: string) =>
      typeof json[name] === "string" ? json[name] as string : undefined;
    switch (json.type) {
      case "service_account":
        if (!text("client_email") || !text("private_key")) {
          throw unusable("client_email or private_key is missing");
        }
        return new auth.JWT({
          email: text("client_email"),
          key: text("private_key"),
          keyId: text("private_key_id"),
        });
      case "external_account": {
        const source = json.credential_source as Record<string, unknown> | undefined;
        // deno-lint-ignore no-explicit-any
        const options = json as any;
        if (source?.environment_id) return new auth.AwsClient(options);
        if (source?.executable) return new auth.PluggableAuthClient(options);
        return new auth.IdentityPoolClient(options);
      }
      case "authorized_user":
        return new auth.UserRefreshClient({
          clientId: text("client_id"),
          clientSecret: text("client_secret"),
          refreshToken: text("refresh_token"),
        });
      default:
        throw unusable(
          `credential type "${json.type}" is not supported (service_account, external_account or authorized_user)`,
        );
    }
  };
  return async () => {
    client ??= load();
    client.catch(() => client = undefined);
    let headers: unknown;
    try {
      headers = await (await client).getRequestHeaders(`${endpoint}/`);
    } catch (cause) {
      if (cause instanceof TokenError) throw cause;
      const status = (cause as { response?: { status?: number }; status?: number })?.response
        ?.status ?? (cause as { status?: number })?.status;
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new TokenError(
        message.replace(/(Bearer\s+)\S+/gi, "$1***"),
        status !== undefined && status >= 400 && status < 500 ? "refused" : "missing",
      );
    }
    const value = headers instanceof Headers
      ? headers.get("authorization")
      : (headers as Record<string, string>)?.Authorization ??
        (headers as Record<string, string>)?.authorization;
    return value?.replace(/^Bearer\s+/i, "") || undefined;
  };
}
