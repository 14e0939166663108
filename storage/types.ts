/**
 * The storage interface and the types around it: what every backend does
 * ({@linkcode StorageBackend}), the storage the runtime uses ({@linkcode Storage}), their options,
 * and what a backend module exports. Backends import these from here, not from the module that
 * loads them, so no import cycle runs through the backends.
 *
 * @module
 */

import type { AzureConfig, GcsConfig, HttpConfig, S3Config } from "./config.ts";

/**
 * Options shared by every storage operation.
 */
export interface StorageCallOptions {
  /** Aborts the operation. */
  signal?: AbortSignal;
}

/**
 * Options of downloads.
 */
export interface DownloadOptions extends StorageCallOptions {
  /** Called as bytes arrive, with the total when it is known. */
  onProgress?: (received: number, total: number | undefined) => void;
}

/**
 * Options of writes and uploads.
 */
export interface UploadOptions extends StorageCallOptions {
  /** MIME type of the object, where the backend stores one. */
  contentType?: string;
  /**
   * Object metadata for this upload, added to {@linkcode StorageOptions.metadata} (S3, GCS and
   * Azure; Azure stores names with `_` in place of characters it refuses, such as `-`).
   */
  metadata?: Record<string, string>;
  /**
   * The caller no longer needs the local file: a local destination on the same file system
   * gets the file moved there (a rename) instead of a copy. Other backends copy it, and the file
   * stays where it was either way unless it was moved. Uploads only.
   */
  move?: boolean;
}

/**
 * What every storage backend does. URIs are absolute (`s3://bucket/key`, `file:///tmp/x`,
 * `/tmp/x`, `https://host/path`); a "directory" is every object below a prefix.
 *
 * @example Code written against the object operations
 * ```ts
 * import { createStorage, type StorageBackend } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * async function copy(backend: StorageBackend, from: string, to: string): Promise<void> {
 *   await backend.write(to, await backend.read(from));
 * }
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "hi");
 * await copy(createStorage(), `${dir}/a.txt`, `${dir}/b.txt`);
 * assertEquals(await Deno.readTextFile(`${dir}/b.txt`), "hi");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface StorageBackend {
  /**
   * Reads a whole object.
   *
   * @example An aborted read
   * ```ts
   * import { createStorage, type StorageCallOptions } from "@flyteshim/flyteshim/storage";
   * import { assertEquals } from "@std/assert";
   *
   * const path = await Deno.makeTempFile();
   * const options: StorageCallOptions = { signal: AbortSignal.abort() };
   * const code = await createStorage().read(path, options).then(() => "read", (e) => e.code);
   * assertEquals(code, "SYSTEM:Aborted");
   * await Deno.remove(path);
   * ```
   */
  read(uri: string, options?: StorageCallOptions): Promise<Uint8Array>;
  /**
   * Streams an object into a local file, creating its parent folders.
   *
   * @example Follow a download's progress
   * ```ts
   * import { createStorage, type DownloadOptions } from "@flyteshim/flyteshim/storage";
   * import { assertEquals } from "@std/assert";
   *
   * const dir = await Deno.makeTempDir();
   * await Deno.writeTextFile(`${dir}/data.csv`, "a,b\n");
   * const received: number[] = [];
   * const options: DownloadOptions = { onProgress: (bytes) => void received.push(bytes) };
   * await createStorage().download(`${dir}/data.csv`, `${dir}/copy/data.csv`, options);
   * assertEquals(received.at(-1), 4);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  download(uri: string, localPath: string, options?: DownloadOptions): Promise<void>;
  /** Writes bytes as an object, replacing it. */
  write(uri: string, data: Uint8Array, options?: UploadOptions): Promise<void>;
  /**
   * Uploads a local file as an object (multipart above a threshold where the backend has it).
   *
   * @example Move a local file instead of copying it
   * ```ts
   * import { createStorage, type UploadOptions } from "@flyteshim/flyteshim/storage";
   * import { assertEquals } from "@std/assert";
   *
   * const dir = await Deno.makeTempDir();
   * await Deno.writeTextFile(`${dir}/out.csv`, "a,b\n");
   * const options: UploadOptions = { move: true, contentType: "text/csv" };
   * const storage = createStorage();
   * await storage.upload(`${dir}/out.csv`, `${dir}/raw/out.csv`, options);
   * const [from, to] = [`${dir}/out.csv`, `${dir}/raw/out.csv`];
   * assertEquals([await storage.exists(from), await storage.exists(to)], [false, true]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  upload(localPath: string, uri: string, options?: UploadOptions): Promise<void>;
  /** Whether an object exists. */
  exists(uri: string, options?: StorageCallOptions): Promise<boolean>;
  /** Lists the object URIs below a prefix, recursively. */
  list(prefix: string, options?: StorageCallOptions): Promise<string[]>;
}

/**
 * The storage the runtime and executors use: every backend, chosen by URI, plus folders.
 *
 * @example Upload a folder and list it
 * ```ts
 * import { createStorage, type Storage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const [local, remote] = [await Deno.makeTempDir(), await Deno.makeTempDir()];
 * await Deno.writeTextFile(`${local}/part-0.csv`, "a\n");
 * const storage: Storage = createStorage();
 * await storage.uploadDir(local, `${remote}/raw`);
 * assertEquals(await storage.list(`${remote}/raw`), [`${remote}/raw/part-0.csv`]);
 * await Deno.remove(local, { recursive: true });
 * await Deno.remove(remote, { recursive: true });
 * ```
 */
export interface Storage extends StorageBackend {
  /** Uploads every file below a local folder to `<uri>/<relative path>`. */
  uploadDir(localDir: string, uri: string, options?: UploadOptions): Promise<void>;
  /** Downloads every object below a prefix into a local folder. */
  downloadDir(uri: string, localDir: string, options?: DownloadOptions): Promise<void>;
}

/**
 * Options of `createStorage`.
 */
export interface StorageOptions {
  /** S3 settings; by default read from the environment when the first `s3://` URI appears. */
  s3?: S3Config;
  /**
   * Google Cloud Storage settings; by default read from the environment on the first `gs://` URI.
   */
  gcs?: GcsConfig;
  /**
   * Azure Blob Storage settings; by default read from the environment on the first `abfs(s)://`
   * URI.
   */
  azure?: AzureConfig;
  /**
   * The environment backends read their settings from when the settings above are not given.
   *
   * @default {Deno.env.toObject()}
   */
  env?: Record<string, string | undefined>;
  /**
   * Backends to add or replace, by scheme (lower case, without `://`), on top of
   * `BUILTIN_BACKENDS`. Each is loaded on the first URI of its scheme.
   */
  backends?: Readonly<Record<string, StorageBackendLoader>>;
  /** Retry and timeout settings of `http(s)://` reads. */
  http?: HttpConfig;
  /** Object metadata added to every upload (flytekit's `flyte-execution-*` keys). */
  metadata?: Record<string, string>;
  /**
   * How many objects a folder upload or download moves at once.
   *
   * @default {8}
   */
  concurrency?: number;
}

/**
 * What a backend module exports: a factory called once per storage, with the storage's options
 * (a backend reads its own settings from `options.env` or its own field).
 *
 * @example An in-memory backend as a module
 * ```ts
 * import { createStorage, type StorageBackendModule } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const objects = new Map<string, Uint8Array>();
 * const memory: StorageBackendModule = {
 *   createBackend: () => ({
 *     read: (uri) => Promise.resolve(objects.get(uri)!),
 *     download: () => Promise.reject(new Error("not needed")),
 *     write: (uri, data) => Promise.resolve(void objects.set(uri, data)),
 *     upload: () => Promise.reject(new Error("not needed")),
 *     exists: (uri) => Promise.resolve(objects.has(uri)),
 *     list: (prefix) => Promise.resolve([...objects.keys()].filter((k) => k.startsWith(prefix))),
 *   }),
 * };
 * const storage = createStorage({ backends: { mem: () => Promise.resolve(memory) } });
 * await storage.write("mem://a/b", new Uint8Array([1]));
 * assertEquals(await storage.exists("mem://a/b"), true);
 * ```
 */
export interface StorageBackendModule {
  /** Creates the backend; called on the first URI of one of its schemes. */
  createBackend(options: StorageOptions): StorageBackend | Promise<StorageBackend>;
}

/**
 * Loads a backend module, typically `() => import("./my_backend.ts")`.
 *
 * @example Replace the gs:// backend with one's own module
 * ```ts
 * import { createStorage, type StorageBackendLoader } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * let created = 0;
 * const gs: StorageBackendLoader = () =>
 *   Promise.resolve({
 *     createBackend: () => {
 *       created++;
 *       return {
 *         read: () => Promise.resolve(new Uint8Array([42])),
 *         download: () => Promise.resolve(),
 *         write: () => Promise.resolve(),
 *         upload: () => Promise.resolve(),
 *         exists: () => Promise.resolve(true),
 *         list: () => Promise.resolve([]),
 *       };
 *     },
 *   });
 * const storage = createStorage({ backends: { gs } });
 * assertEquals(await storage.read("gs://bucket/key"), new Uint8Array([42]));
 * assertEquals([await storage.exists("gs://bucket/other"), created], [true, 1]);
 * ```
 */
export type StorageBackendLoader = () => Promise<StorageBackendModule>;
