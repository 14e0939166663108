/**
 * One storage interface over local paths, `file://`, `s3://`, `gs://`, `abfs(s)://` and
 * `http(s)://` URIs. Backends are chosen by URI scheme from one table
 * ({@linkcode BUILTIN_BACKENDS}) and imported only when a URI needs them, so a run on local files
 * never loads a cloud client; {@linkcode StorageOptions.backends} adds or replaces backends.
 *
 * @example Write and read a local object
 * ```ts
 * import { createStorage, joinUri } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const storage = createStorage();
 * const dir = await Deno.makeTempDir();
 * const uri = joinUri(dir, "a/b.txt");
 * await storage.write(uri, new TextEncoder().encode("hi"));
 * assertEquals(new TextDecoder().decode(await storage.read(uri)), "hi");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export type { AzureConfig, ExecutionMetadata, GcsConfig, HttpConfig, S3Config } from "./config.ts";
export {
  attachExecutionMetadataFromEnv,
  azureConfigFromEnv,
  executionMetadata,
  gcsConfigFromEnv,
  s3ConfigFromEnv,
} from "./config.ts";
export type {
  DownloadOptions,
  Storage,
  StorageBackend,
  StorageBackendLoader,
  StorageBackendModule,
  StorageCallOptions,
  StorageOptions,
  UploadOptions,
} from "./types.ts";
export {
  BUILTIN_BACKENDS,
  createStorage,
  joinUri,
  schemeOf,
  SUPPORTED_SCHEMES,
} from "./storage.ts";
