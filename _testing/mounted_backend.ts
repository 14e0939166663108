/**
 * A third-party storage backend for the plug-in tests: `mnt://<path>` is the file
 * `<FLYTESHIM_TEST_MOUNT>/<path>`, served by the built-in local-files backend with the URIs
 * translated both ways (errors and listings name `mnt://` URIs). It is plugged in through
 * `StorageOptions.backends` / `MainOptions.storageBackends`, never built in.
 *
 * @module
 */

import {
  StorageError,
  type StorageOperation,
  type SystemErrorCode,
  type UserErrorCode,
} from "../errors.ts";
import type { StorageBackend, StorageOptions } from "../storage/mod.ts";
import { FileStorage } from "../storage/file.ts";

/** The backend's factory, as a backend module exports it. */
export function createBackend(options: StorageOptions): StorageBackend {
  const root = (options.env ?? Deno.env.toObject()).FLYTESHIM_TEST_MOUNT;
  if (!root) throw new TypeError("Cannot mount mnt://: FLYTESHIM_TEST_MOUNT is not set");
  const files = new FileStorage();
  const toPath = (uri: string) => `${root}/${uri.replace(/^mnt:\/\//, "")}`;
  const toUri = (path: string) => `mnt://${path.slice(root.length + 1)}`;
  const run = async <T>(operation: StorageOperation, uri: string, work: () => Promise<T>) => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      const detail = error.message.slice(`Cannot ${error.operation} "${error.uri}": `.length);
      // The code is of the error's origin (the constructor's types hold them together).
      const same = { recoverable: error.recoverable, cause: error };
      throw new StorageError(
        operation,
        uri,
        detail.replaceAll(root, "mnt:/"),
        error.origin === "user"
          ? { ...same, origin: "user", code: error.code as UserErrorCode }
          : { ...same, origin: "system", code: error.code as SystemErrorCode },
      );
    }
  };
  return {
    read: (uri, o) => run("read", uri, () => files.read(toPath(uri), o)),
    download: (uri, path, o) => run("download", uri, () => files.download(toPath(uri), path, o)),
    write: (uri, data, o) => run("write", uri, () => files.write(toPath(uri), data, o)),
    upload: (path, uri, o) => run("upload", uri, () => files.upload(path, toPath(uri), o)),
    exists: (uri) => run("exists", uri, () => files.exists(toPath(uri))),
    list: (prefix) =>
      run("list", prefix, async () => (await files.list(toPath(prefix))).map(toUri)),
  };
}
