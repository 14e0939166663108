// A task that runs the example executor: run it locally with
// `deno task run examples/checksum/task.ts checksum --file README.md`.
import { defineTask, Types } from "@flyteshim/flyteshim";
import { checksumExecutor } from "./executor.ts";

/** Digest of a file, on the image that holds the example executor. */
export const checksum = defineTask({
  name: "example.checksum",
  taskType: "checksum",
  executor: checksumExecutor,
  image: "ghcr.io/acme/checksum-executor:0.1.0",
  inputs: { file: Types.file() },
  outputs: { digest: Types.string, size: Types.integer },
  config: { algorithm: "SHA-256" },
  retries: 1,
});
