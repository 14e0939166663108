// The read-only http:// and https:// backend (SQLite databases and other files published on a web
// server). Uses the runtime's fetch; retries 5xx, 429, timeouts and connection failures. A server
// certificate the process does not trust (`DENO_CERT`, `DENO_TLS_CA_STORE`) is USER:InvalidConfig,
// not retried.
import { dirname } from "./_path.ts";
import { StorageError, type StorageOperation } from "../errors.ts";
import { concatBytes } from "./_bytes.ts";
import type { HttpConfig } from "./config.ts";
import { redactUri } from "./redact.ts";
import { fetchFailure, TLS_VERIFY, transientAnswer, TransientError } from "./_fetch.ts";

export { redactUri };
import type {
  DownloadOptions,
  StorageBackend,
  StorageCallOptions,
  StorageOptions,
} from "./types.ts";
import { type RetryPolicy, retryPolicy, withRetryAndIdleTimeout } from "./retry.ts";

/** Creates the read-only backend for `http://` and `https://` URIs with `options.http`. */
export function createBackend(options: StorageOptions): StorageBackend {
  return new HttpStorage(options.http);
}

/** The read-only backend for `http://` and `https://` URIs. */
export class HttpStorage implements StorageBackend {
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;

  /** Creates the backend with retry and timeout settings. */
  constructor(config: HttpConfig = {}) {
    this.#policy = retryPolicy(config);
    this.#timeoutMs = (config.timeoutSeconds ?? 60) * 1000;
  }

  read(uri: string, options?: StorageCallOptions): Promise<Uint8Array> {
    return this.#run("read", uri, options?.signal, async (signal, touch) => {
      const res = await this.#fetch("read", uri, "GET", signal);
      const parts: Uint8Array[] = [];
      await this.#body(res, (chunk) => {
        touch();
        parts.push(chunk);
      });
      return concatBytes(parts);
    });
  }

  async download(uri: string, localPath: string, options?: DownloadOptions): Promise<void> {
    await this.#run("download", uri, options?.signal, async (signal, touch) => {
      const res = await this.#fetch("download", uri, "GET", signal);
      const total = Number(res.headers.get("content-length") ?? NaN);
      await Deno.mkdir(dirname(localPath), { recursive: true });
      using file = await Deno.open(localPath, { write: true, create: true, truncate: true });
      let received = 0;
      await this.#body(res, async (chunk) => {
        touch();
        for (let done = 0; done < chunk.length;) {
          done += await file.write(done ? chunk.subarray(done) : chunk);
        }
        received += chunk.length;
        options?.onProgress?.(received, Number.isFinite(total) ? total : undefined);
      });
    });
  }

  write(uri: string): Promise<void> {
    return Promise.reject(readOnly("write", uri));
  }

  upload(_localPath: string, uri: string): Promise<void> {
    return Promise.reject(readOnly("upload", uri));
  }

  exists(uri: string, options?: StorageCallOptions): Promise<boolean> {
    return this.#run("exists", uri, options?.signal, async (signal) => {
      let res = await this.#fetch("exists", uri, "HEAD", signal, {
        pass: [404, 410, 405, 501],
      });
      if (res.status === 405 || res.status === 501) {
        // No HEAD on this server: ask for the first byte instead.
        res = await this.#fetch("exists", uri, "GET", signal, {
          pass: [404, 410],
          headers: { range: "bytes=0-0" },
        });
      }
      await res.body?.cancel();
      return res.ok;
    });
  }

  list(uri: string): Promise<string[]> {
    return Promise.reject(
      new StorageError("list", redactUri(uri), "http(s) URIs cannot be listed", {
        origin: "user",
        code: "USER:UnsupportedOperation",
      }),
    );
  }

  /** Sends one request; statuses in `pass` are returned, other failures throw classified. */
  async #fetch(
    operation: StorageOperation,
    uri: string,
    method: string,
    signal: AbortSignal,
    { pass = [], headers }: { pass?: number[]; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    if (!URL.canParse(uri)) {
      // Not worth a retry: the same text never becomes a URL.
      throw new StorageError(operation, redactUri(uri), "not a valid URL", {
        origin: "user",
        code: "USER:InvalidInput",
      });
    }
    let res: Response;
    try {
      res = await fetch(uri, { method, signal, headers, redirect: "follow" });
    } catch (cause) {
      if (signal.aborted) throw cause;
      const reason = fetchFailure(cause);
      if (TLS_VERIFY.test(reason)) {
        // An untrusted, expired or misnamed certificate stays so on retry: the user's
        // configuration (the URL, or the CAs the process trusts), not an outage.
        throw new StorageError(
          operation,
          redactUri(uri),
          `the server's TLS certificate was not accepted: ${reason}`,
          { origin: "user", code: "USER:InvalidConfig" },
        );
      }
      // fetch rejects with a TypeError on refused or reset connections and DNS failures. Its
      // cause is not kept: it names the URL, query included, and error.pb prints causes.
      throw new TransientError(reason);
    }
    if (res.ok || pass.includes(res.status)) return res;
    await res.body?.cancel();
    const what = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      throw transientAnswer(res, what);
    }
    const safe = redactUri(uri);
    if (res.status === 404 || res.status === 410) {
      throw new StorageError(operation, safe, `object does not exist (${what})`, {
        origin: "user",
        code: "USER:NotFound",
      });
    }
    if (res.status === 401 || res.status === 403) {
      throw new StorageError(operation, safe, `access denied (${what})`, {
        origin: "user",
        code: "USER:AccessDenied",
      });
    }
    throw new StorageError(operation, safe, `request refused (${what})`, { origin: "user" });
  }

  /** Reads a body chunk by chunk; a failure mid-body is transient. */
  async #body(res: Response, onChunk: (chunk: Uint8Array) => void | Promise<void>) {
    if (!res.body) return;
    const reader = res.body.getReader();
    try {
      while (true) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (cause) {
          throw new TransientError(fetchFailure(cause));
        }
        if (next.done) return;
        await onChunk(next.value);
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
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
        onIdle: (cause) =>
          new TransientError(`no progress for ${this.#timeoutMs / 1000} s`, { cause }),
        attempts,
      });
    } catch (error) {
      if (error instanceof StorageError) throw error;
      const safe = redactUri(uri);
      if (outer?.aborted) {
        throw new StorageError(operation, safe, "aborted", {
          code: "SYSTEM:Aborted",
          cause: error,
        });
      }
      const detail = error instanceof Error ? error.message : String(error);
      const after = attempts.count > 1 ? ` (after ${attempts.count} attempts)` : "";
      throw new StorageError(operation, safe, `${detail}${after}`, {
        origin: "system",
        code: "SYSTEM:StorageError",
        cause: error,
      });
    }
  }
}

function readOnly(operation: StorageOperation, uri: string): StorageError {
  return new StorageError(
    operation,
    redactUri(uri),
    "http(s) URIs are read-only: write to an s3:// URI or a local path instead",
    { origin: "user", code: "USER:ReadOnly" },
  );
}
