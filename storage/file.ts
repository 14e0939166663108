// Local paths and file:// URIs. Small operations (stat, open, rename, mkdir, reading and writing
// protobuf files) use Deno's synchronous calls: each asynchronous one costs a hop through a
// thread pool (about 0.15 ms, ten times the call itself), and a run makes a dozen on its start-up
// path. Copies, which may move gigabytes, stay asynchronous.
import { StorageError, type StorageOperation } from "../errors.ts";
import type {
  DownloadOptions,
  StorageBackend,
  StorageCallOptions,
  UploadOptions,
} from "./types.ts";
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
function assertReadable(
  operation: StorageOperation,
  uri: string,
  path: string,
  subject?: string,
): Deno.FileInfo {
  const info = Deno.statSync(path);
  if (!info.isFile) {
    const what = info.isDirectory ? "a directory" : "not a regular file (a FIFO, device or socket)";
    throw new StorageError(operation, uri, subject ? `${subject} is ${what}` : `is ${what}`, {
      origin: "user",
      code: info.isDirectory ? "USER:NotFound" : undefined,
    });
  }
  return info;
}

/** Files up to this size are read synchronously; larger ones asynchronously, abortable. */
const SYNC_READ_BYTES = 1024 * 1024;

/**
 * The local file of an upload: a regular file (links followed), not the destination itself.
 * Folders, FIFOs, devices and sockets are refused before anything opens them (opening a FIFO
 * blocks until a writer comes).
 */
function assertUploadable(uri: string, localPath: string, destination: string): Deno.FileInfo {
  const info = assertReadable("upload", uri, localPath, `local path "${localPath}"`);
  let target: Deno.FileInfo | undefined;
  try {
    target = Deno.statSync(destination);
  } catch { /* absent: the common case */ }
  if (target && target.ino === info.ino && target.dev === info.dev) {
    throw new StorageError(
      "upload",
      uri,
      `the destination is the local file "${localPath}" itself`,
      { origin: "user", code: "USER:InvalidInput" },
    );
  }
  return info;
}

/**
 * Puts a new file at `path` whole or not at all: `fill` writes it under a temporary name in the
 * same folder (short and random, so that long names fit and a file left by a killed run is no
 * obstacle), then it is renamed over `path`. A destination that is a symbolic link, a device or
 * a FIFO is written in place instead, through it, as a plain write would.
 */
async function replaceWhole(
  path: string,
  fill: (target: string, fresh: boolean) => unknown,
): Promise<void> {
  let existing: Deno.FileInfo | undefined;
  try {
    existing = Deno.lstatSync(path);
  } catch { /* absent: the common case */ }
  if (existing && !existing.isFile && !existing.isDirectory) {
    await fill(path, false);
    return;
  }
  for (let attempt = 0;; attempt++) {
    const temporary = `${dirname(path)}/.flyteshim-${Math.random().toString(36).slice(2, 10)}.tmp`;
    try {
      await inFolder(temporary, () => fill(temporary, true));
    } catch (cause) {
      // A name that is taken belongs to someone else (a file a killed run left): leave it.
      if (cause instanceof Deno.errors.AlreadyExists) {
        if (attempt < 3) continue;
        throw cause;
      }
      try {
        Deno.removeSync(temporary);
      } catch { /* never created */ }
      throw cause;
    }
    try {
      Deno.renameSync(temporary, path);
    } catch (cause) {
      try {
        Deno.removeSync(temporary);
      } catch { /* already gone */ }
      throw cause;
    }
    return;
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
  // A symbolic link is copied (the copy follows it; a moved link would dangle), and so is a file
  // with other hard links (writes through another name would change the uploaded output).
  const info = Deno.lstatSync(from);
  if (!info.isFile || (info.nlink ?? 1) > 1) return false;
  try {
    Deno.renameSync(from, to);
    return true;
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound && isFile(from)) throw cause;
    return false;
  }
}

/** Creates the backend for local paths and `file://` URIs. */
export function createBackend(): StorageBackend {
  return new FileStorage();
}

/** The backend for local paths and `file://` URIs. */
export class FileStorage implements StorageBackend {
  async read(uri: string, options?: StorageCallOptions): Promise<Uint8Array> {
    try {
      options?.signal?.throwIfAborted();
      const path = toPath(uri);
      const info = assertReadable("read", uri, path);
      // Large files (offloaded literals) asynchronously, so that an abort can interrupt them.
      if (info.size > SYNC_READ_BYTES) {
        return await Deno.readFile(path, { signal: options?.signal });
      }
      return Deno.readFileSync(path);
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
      options?.signal?.throwIfAborted();
      // Written under a temporary name and renamed into place: readers (propeller reading
      // outputs.pb) see the whole file or none, and an existing file stays as it was until then.
      // Deno.openSync and writeSync rather than Deno.writeFile, whose first call sets up web
      // streams (about 2 ms of every run's start-up, for outputs.pb).
      await replaceWhole(path, (target, fresh) => {
        const file = Deno.openSync(
          target,
          fresh ? { write: true, createNew: true } : { write: true, truncate: true },
        );
        try {
          for (let written = 0; written < data.length;) {
            written += file.writeSync(data.subarray(written));
          }
        } finally {
          file.close();
        }
      });
    } catch (cause) {
      throw fail("write", uri, cause);
    }
  }

  async upload(localPath: string, uri: string, options?: UploadOptions): Promise<void> {
    try {
      const path = toPath(uri);
      options?.signal?.throwIfAborted();
      assertUploadable(uri, localPath, path);
      if (options?.move && await inFolder(path, () => moved(localPath, path))) return;
      // A copy goes to a temporary name first, as writes do: no half-copied object.
      await replaceWhole(path, (target) => Deno.copyFile(localPath, target));
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
    // Answer in the caller's form (path or file:// URI) so names below the prefix slice off
    // cleanly.
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
