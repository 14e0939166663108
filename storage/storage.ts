/**
 * The storage factory: the built-in backends by URI scheme ({@linkcode BUILTIN_BACKENDS}), each
 * imported on the first URI of its scheme, and {@linkcode createStorage}, which routes every
 * operation to the backend of its URI; with the URI helpers it routes by.
 *
 * @example A local write and read
 * ```ts
 * import { createStorage, joinUri } from "./storage.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const storage = createStorage();
 * await storage.write(joinUri(dir, "a.txt"), new Uint8Array([1]));
 * assertEquals(await storage.read(`${dir}/a.txt`), new Uint8Array([1]));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { StorageError, type StorageOperation } from "../errors.ts";
import type {
  Storage,
  StorageBackend,
  StorageBackendLoader,
  StorageBackendModule,
  StorageOptions,
} from "./types.ts";

/**
 * The built-in backends by scheme: the one place the schemes are listed. `http` and `https` share
 * a module, as do `abfs` and `abfss`; each storage creates one backend per module.
 */
export const BUILTIN_BACKENDS: Readonly<Record<string, StorageBackendLoader>> = Object.freeze({
  file: () => import("./file.ts"),
  s3: () => import("./s3.ts"),
  gs: () => import("./gcs.ts"),
  abfs: () => import("./azure.ts"),
  abfss: () => import("./azure.ts"),
  http: () => import("./http.ts"),
  https: () => import("./http.ts"),
});

/**
 * The schemes flyteshim reads and writes out of the box (the keys of
 * {@linkcode BUILTIN_BACKENDS}).
 */
export const SUPPORTED_SCHEMES: readonly string[] = Object.freeze(Object.keys(BUILTIN_BACKENDS));

/**
 * The scheme of a URI, or `file` for a plain path.
 *
 * @example URIs and plain paths
 * ```ts
 * import { schemeOf } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(schemeOf("s3://b/k"), "s3");
 * assertEquals(schemeOf("/tmp/x"), "file");
 * ```
 */
export function schemeOf(uri: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri);
  return match ? match[1].toLowerCase() : "file";
}

/**
 * Joins a URI prefix and path parts with single slashes.
 *
 * @example Slashes are folded
 * ```ts
 * import { joinUri } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(joinUri("s3://b/prefix/", "/outputs.pb"), "s3://b/prefix/outputs.pb");
 * ```
 */
export function joinUri(prefix: string, ...parts: string[]): string {
  let out = prefix.replace(/\/+$/, "");
  for (const part of parts) {
    const trimmed = part.replace(/^\/+/, "").replace(/\/+$/, "");
    if (trimmed) out += `/${trimmed}`;
  }
  return out;
}

/**
 * Creates the storage: each backend is imported on the first URI of its scheme.
 *
 * @example Local files
 * ```ts
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(await createStorage().exists("/definitely/not/here"), false);
 * ```
 *
 * @example Two transfers at a time; S3 settings for the first s3:// URI
 * ```ts
 * import { createStorage, type StorageOptions } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const options: StorageOptions = { concurrency: 2, s3: { endpoint: "http://localhost:9000" } };
 * const [local, remote] = [await Deno.makeTempDir(), await Deno.makeTempDir()];
 * for (const name of ["a", "b", "c"]) await Deno.writeTextFile(`${local}/${name}`, name);
 * await createStorage(options).uploadDir(local, remote);
 * assertEquals((await Array.fromAsync(Deno.readDir(remote))).length, 3);
 * await Deno.remove(local, { recursive: true });
 * await Deno.remove(remote, { recursive: true });
 * ```
 */
export function createStorage(options: StorageOptions = {}): Storage {
  const table: Record<string, StorageBackendLoader> = { ...BUILTIN_BACKENDS };
  for (const [scheme, loader] of Object.entries(options.backends ?? {})) {
    if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) {
      throw new TypeError(`Cannot add storage backend "${scheme}": expected a lower-case scheme`);
    }
    if (typeof loader !== "function") {
      throw new TypeError(`Cannot add storage backend "${scheme}": expected a loader function`);
    }
    table[scheme] = loader;
  }
  // One backend per module: http and https (abfs and abfss) share their client and connections.
  const byModule = new Map<StorageBackendModule, Promise<StorageBackend>>();
  const loaded = new Map<string, Promise<StorageBackend>>();
  const backendFor = (uri: string, operation: StorageOperation): Promise<StorageBackend> => {
    const scheme = schemeOf(uri);
    let backend = loaded.get(scheme);
    if (!backend) {
      const loader = Object.hasOwn(table, scheme) ? table[scheme] : undefined;
      if (!loader) return Promise.reject(resolveError(operation, uri, scheme, table));
      backend = (async () => {
        const module = await loader();
        let created = byModule.get(module);
        if (!created) {
          created = Promise.resolve(module.createBackend(options));
          byModule.set(module, created);
          created.catch(() => byModule.delete(module));
        }
        return await created;
      })().catch((cause) => {
        loaded.delete(scheme);
        throw cause;
      });
      loaded.set(scheme, backend);
    }
    return backend;
  };
  const concurrency = options.concurrency ?? 8;
  const storage: Storage = {
    read: async (uri, o) => (await backendFor(uri, "read")).read(uri, o),
    download: async (uri, path, o) => (await backendFor(uri, "download")).download(uri, path, o),
    write: async (uri, data, o) => (await backendFor(uri, "write")).write(uri, data, o),
    upload: async (path, uri, o) => (await backendFor(uri, "upload")).upload(path, uri, o),
    exists: async (uri, o) => (await backendFor(uri, "exists")).exists(uri, o),
    list: async (prefix, o) => (await backendFor(prefix, "list")).list(prefix, o),
    async uploadDir(localDir, uri, o) {
      const { walkFiles } = await import("./_fs.ts");
      const files = await walkFiles(localDir);
      await pool(
        files,
        concurrency,
        (rel) => storage.upload(`${localDir}/${rel}`, joinUri(uri, rel), o),
      );
    },
    async downloadDir(uri, localDir, o) {
      const prefix = joinUri(uri);
      const objects = await storage.list(prefix, o);
      const { safeJoin } = await import("./_fs.ts");
      await pool(objects, concurrency, (objectUri) => {
        const rel = objectUri.slice(prefix.length).replace(/^\/+/, "");
        return storage.download(objectUri, safeJoin(localDir, rel, objectUri), o);
      });
    },
  };
  return storage;
}

function resolveError(
  operation: StorageOperation,
  uri: string,
  scheme: string,
  table: Record<string, StorageBackendLoader>,
): StorageError {
  const names = ["local paths", ...Object.keys(table).map((s) => `${s}://`)];
  const list = `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return new StorageError(
    operation,
    uri,
    `unsupported scheme "${scheme}://": flyteshim supports ${list}`,
    { origin: "user", code: "USER:UnsupportedScheme" },
  );
}

async function pool<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await run(items[next++]);
  });
  await Promise.all(workers);
}
