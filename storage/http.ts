// Placeholder until the HTTP backend lands (issue 4).
import { StorageError } from "../errors.ts";
import type { StorageBackend } from "./mod.ts";

/** The read-only backend for http:// and https:// URIs. */
export class HttpStorage implements StorageBackend {
  read(uri: string): Promise<Uint8Array> {
    return Promise.reject(new StorageError("read", uri, "the HTTP backend is not built yet"));
  }
  download(uri: string): Promise<void> {
    return Promise.reject(new StorageError("download", uri, "the HTTP backend is not built yet"));
  }
  write(uri: string): Promise<void> {
    return Promise.reject(new StorageError("write", uri, "http(s) URIs are read-only"));
  }
  upload(_path: string, uri: string): Promise<void> {
    return Promise.reject(new StorageError("upload", uri, "http(s) URIs are read-only"));
  }
  exists(uri: string): Promise<boolean> {
    return Promise.reject(new StorageError("exists", uri, "the HTTP backend is not built yet"));
  }
  list(uri: string): Promise<string[]> {
    return Promise.reject(new StorageError("list", uri, "http(s) URIs cannot be listed"));
  }
}
