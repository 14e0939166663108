// Placeholder until the S3 backend lands (issue 4): refuses clearly.
import { StorageError } from "../errors.ts";
import type { StorageBackend, StorageOptions } from "./mod.ts";

/** Creates the S3 backend. */
export function createS3Storage(_options: StorageOptions): StorageBackend {
  throw new StorageError("resolve", "s3://", "the S3 backend is not built yet");
}
