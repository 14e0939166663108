/**
 * An example third-party executor: computes a digest of a file. It is written against the
 * same contract as flyteshim's built-in executors (`defineExecutor`), reads its config from
 * `TaskTemplate.custom`, downloads its input through the context's storage, and reports bad
 * config as a user error.
 *
 * @module
 */

import { UserError } from "@flyteshim/flyteshim";
import { defineExecutor } from "@flyteshim/flyteshim/executors";
import type { FlyteFile } from "@flyteshim/flyteshim/types";

/** The digest algorithms the executor accepts. */
export const ALGORITHMS = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"] as const;

/** Its parsed config. */
export interface ChecksumConfig {
  /** The digest algorithm. */
  algorithm: (typeof ALGORITHMS)[number];
}

/** Computes `digest` (hex) and `size` (bytes) of the input file `file`. */
export const checksumExecutor = defineExecutor<ChecksumConfig>({
  id: "example.checksum",
  taskTypes: ["checksum"],
  description: "Computes a digest of a file",
  parseConfig(custom) {
    const algorithm = custom.algorithm ?? "SHA-256";
    if (!ALGORITHMS.includes(algorithm as ChecksumConfig["algorithm"])) {
      throw new UserError(
        `Cannot read config key "algorithm": expected one of ${ALGORITHMS.join(", ")}, found ${
          JSON.stringify(algorithm)
        }`,
        { code: "USER:InvalidConfig" },
      );
    }
    return { algorithm: algorithm as ChecksumConfig["algorithm"] };
  },
  async execute(config, inputs, ctx) {
    const file = inputs.file as FlyteFile;
    const local = `${ctx.workDir}/input`;
    await ctx.storage.download(file.uri, local, { signal: ctx.signal });
    const bytes = await Deno.readFile(local);
    const digest = new Uint8Array(await crypto.subtle.digest(config.algorithm, bytes));
    ctx.logger.info("Computed digest", { algorithm: config.algorithm, bytes: bytes.length });
    return {
      digest: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
      size: BigInt(bytes.length),
    };
  },
});
