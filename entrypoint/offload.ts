// Literal offloading (docs/flyte-contract.md#offloaded-outputs): large output literals go to their
// own file under the output prefix and outputs.pb holds a reference, because propeller refuses a
// large outputs.pb.
import { UserError } from "../errors.ts";
import { encodeLiteral, type LiteralMap, type LiteralType, toInt64 } from "../idl/core.ts";
import { joinUri } from "../storage/storage.ts";
import type { Storage } from "../storage/types.ts";
import type { OffloadConfig } from "./config.ts";

/** Propeller's default limit on `outputs.pb` (`storage.limits.maxDownloadMBs`, 2 MB). */
export const PROPELLER_OUTPUTS_LIMIT = 2 * 1024 * 1024;

/**
 * The file an offloaded output goes to, below the output prefix.
 *
 * @example The file of an output
 * ```ts
 * import { offloadedFileName } from "./offload.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(offloadedFileName("results"), "results_offloaded_metadata.pb");
 * ```
 */
export function offloadedFileName(name: string): string {
  return `${name}_offloaded_metadata.pb`;
}

/** Options of {@linkcode offloadLiterals}. */
export interface OffloadOptions extends OffloadConfig {
  /** Where `outputs.pb` goes; offloaded literals are written beside it. */
  outputPrefix: string;
  /** The declared output types, recorded as each reference's `inferred_type`. */
  types: Record<string, LiteralType | null | undefined>;
  /** Storage to write through. */
  storage: Storage;
  /** Aborts writes. */
  signal?: AbortSignal;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Writes every output literal of at least `minBytes` to
 * `<output prefix>/<name>_offloaded_metadata.pb` and returns the map with those literals
 * replaced by `offloaded_metadata` references (`uri`, `size_bytes`, `inferred_type`) carrying
 * the literal's hash (its own, or the SHA-256 of its bytes).
 *
 * @throws {UserError} With code `USER:OutputTooLarge` when a literal reaches `maxBytes`.
 *
 * @example Offload everything of 10 bytes or more
 * ```ts
 * import { offloadLiterals } from "./offload.ts";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const { literals, offloaded } = await offloadLiterals(
 *   { literals: { s: { scalar: { primitive: { stringValue: "a long enough string" } } } } },
 *   {
 *     minBytes: 10,
 *     maxBytes: 1000,
 *     outputPrefix: dir,
 *     types: { s: { simple: 3 } },
 *     storage: createStorage(),
 *   },
 * );
 * assertEquals(offloaded, [`${dir}/s_offloaded_metadata.pb`]);
 * assertEquals(literals.literals?.s.offloadedMetadata?.uri, `${dir}/s_offloaded_metadata.pb`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function offloadLiterals(
  map: LiteralMap,
  options: OffloadOptions,
): Promise<{ literals: LiteralMap; offloaded: string[] }> {
  const out: NonNullable<LiteralMap["literals"]> = {};
  const offloaded: string[] = [];
  for (const [name, literal] of Object.entries(map.literals ?? {})) {
    const bytes = encodeLiteral(literal);
    if (bytes.length >= options.maxBytes) {
      throw new UserError(
        `Cannot write output "${name}": its literal is ${bytes.length} bytes, over the offloading limit of ${options.maxBytes} bytes ("_F_L_MAX_SIZE_MB")`,
        { code: "USER:OutputTooLarge" },
      );
    }
    if (bytes.length < options.minBytes) {
      out[name] = literal;
      continue;
    }
    const uri = joinUri(options.outputPrefix, offloadedFileName(name));
    await options.storage.write(uri, bytes, { signal: options.signal });
    out[name] = {
      offloadedMetadata: {
        uri,
        sizeBytes: toInt64(BigInt(bytes.length)),
        inferredType: options.types[name] ?? undefined,
      },
      hash: literal.hash || await sha256Hex(bytes),
    };
    offloaded.push(uri);
  }
  return { literals: { literals: out }, offloaded };
}
