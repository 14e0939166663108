// Local paths and file:// URIs. Small operations (stat, open, rename, mkdir, reading and writing
// protobuf files) use Deno's synchronous calls: each asynchronous one costs a hop through a
// thread pool (about 0.15 ms, ten times the call itself), and a run makes a dozen on its start-up
// path. Copies, which may move gigabytes, stay asynchronous.
import { StorageError, type StorageOperation } from "../errors.ts";
import type { DownloadOptions, StorageBackend, StorageCallOptions, UploadOptions } from "./mod.ts";
import { dirname, fromFileUrl } from "./_path.ts";

/** Converts a local path or `file://` URI to a path. */
export function toPath(uri: string): string {
  return uri.startsWith("file://") ? fromFileUrl(uri) : uri;
}

function fail(operation: StorageOperation, uri: string, cause: unknown): StorageError {
  if (cause instanceof StorageError) return cause;
  if ((cause as Error)?.name === "AbortError") {
    return new StorageError(operation, uri, "aborted", { code: "SYSTEM:Aborted", cause });
  }
  if (cause instanceof Deno.errors.NotFound) {
    return new StorageError(operation, uri, "no such file", {
      origin: "user",
      code: "USER:NotFound",
      cause,
    });
  }
  if (cause instanceof Deno.errors.PermissionDenied || cause instanceof Deno.errors.NotCapable) {
    return new StorageError(operation, uri, "permission denied", {
      origin: "user",
      code: "USER:AccessDenied",
      cause,
    });
  }
  // fromFileUrl: a file:// URI with a host, or with an encoded slash.
  if (
    cause instanceof TypeError &&
    /^ERR_INVALID_(FILE_URL|URL)/.test((cause as { code?: string }).code ?? "")
  ) {
    return new StorageError(operation, uri, `not a valid file URI: ${cause.message}`, {
      origin: "user",
      code: "USER:InvalidInput",
      cause,
    });
  }
  if (cause instanceof Deno.errors.IsADirectory) {
    return new StorageError(operation, uri, "is a directory", {
      origin: "user",
      code: "USER:NotFound",
      cause,
    });
  }
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StorageError(operation, uri, detail, { cause });
}

/**
 * Refuses folders, FIFOs, devices and sockets before they are opened: reading one never ends (a
 * FIFO without a writer blocks in open, `/dev/zero` fills memory or the disk).
 */
function assertReadable(operation: StorageOperation, uri: string, path: string): void {
  const info = Deno.statSync(path);
  if (info.isDirectory) {
    throw new StorageError(operation, uri, "is a directory", {
      origin: "user",
      code: "USER:NotFound",
    });
  }
  if (!info.isFile) {
    throw new StorageError(operation, uri, "not a regular file (a FIFO, device or socket)", {
      origin: "user",
    });
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Runs a write to `path`, creating its folder only when the write finds it missing (most writes
 * go to folders that exist, and a `mkdir` per write costs a round trip).
 */
async function inFolder<T>(path: string, write: () => T | Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (cause) {
    if (!(cause instanceof Deno.errors.NotFound)) throw cause;
    Deno.mkdirSync(dirname(path), { recursive: true });
    return await write();
  }
}

/**
 * Renames a file into place; `false` when it must be copied instead (another file system, or a
 * destination that is a folder). A missing destination folder throws, for {@linkcode inFolder}.
 */
function moved(from: string, to: string): boolean {
  try {
    Deno.renameSync(from, to);
    return true;
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound && isFile(from)) throw cause;
    return false;
  }
}

/** The backend for local paths and `file://` URIs. */
export class FileStorage implements StorageBackend {
  // deno-lint-ignore require-await
  async read(uri: string, options?: StorageCallOptions): Promise<Uint8Array> {
    try {
      options?.signal?.throwIfAborted();
      assertReadable("read", uri, toPath(uri));
      return Deno.readFileSync(toPath(uri));
    } catch (cause) {
      throw fail("read", uri, cause);
    }
  }

  async download(uri: string, localPath: string, options?: DownloadOptions): Promise<void> {
    try {
      const source = toPath(uri);
      assertReadable("download", uri, source);
      await Deno.mkdir(dirname(localPath), { recursive: true });
      await Deno.copyFile(source, localPath);
      const size = (await Deno.stat(localPath)).size;
      options?.onProgress?.(size, size);
    } catch (cause) {
      throw fail("download", uri, cause);
    }
  }

  async write(uri: string, data: Uint8Array, options?: UploadOptions): Promise<void> {
    try {
      const path = toPath(uri);
      // Before the open, which truncates: an aborted write leaves an existing file as it was.
      options?.signal?.throwIfAborted();
      // Deno.openSync and writeSync rather than Deno.writeFile, whose first call sets up web
      // streams (about 2 ms of every run's start-up, for outputs.pb).
      const file = await inFolder(
        path,
        () => Deno.openSync(path, { write: true, create: true, truncate: true }),
      );
      try {
        for (let written = 0; written < data.length;) {
          written += file.writeSync(data.subarray(written));
        }
      } finally {
        file.close();
      }
    } catch (cause) {
      throw fail("write", uri, cause);
    }
  }

  async upload(localPath: string, uri: string, options?: UploadOptions): Promise<void> {
    try {
      const path = toPath(uri);
      options?.signal?.throwIfAborted();
      if (options?.move && await inFolder(path, () => moved(localPath, path))) return;
      await inFolder(path, () => Deno.copyFile(localPath, path));
    } catch (cause) {
      // Name a missing source as the S3 backend does, not the destination's folder.
      if (cause instanceof Deno.errors.NotFound && !isFile(localPath)) {
        throw new StorageError("upload", uri, `cannot read local file "${localPath}"`, {
          origin: "user",
          code: "USER:NotFound",
          cause,
        });
      }
      throw fail("upload", uri, cause);
    }
  }

  async exists(uri: string): Promise<boolean> {
    try {
      await Deno.stat(toPath(uri));
      return true;
    } catch (cause) {
      if (cause instanceof Deno.errors.NotFound) return false;
      throw fail("exists", uri, cause);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = toPath(prefix).replace(/\/+$/, "");
    // Answer in the caller's form (path or file:// URI) so names below the prefix slice off cleanly.
    const base = prefix.replace(/\/+$/, "");
    try {
      const { walkFiles } = await import("./_fs.ts");
      return (await walkFiles(dir)).map((rel) => `${base}/${rel}`);
    } catch (cause) {
      if (cause instanceof Deno.errors.NotFound) return [];
      throw fail("list", prefix, cause);
    }
  }
}
