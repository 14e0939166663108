/**
 * The zstd compressor for parquet pages: `node:zlib`'s `zstdCompressSync` (built into Deno, no
 * extra package), loaded only when a run asks for zstd, so that other runs do not pay for
 * `node:zlib`'s import.
 *
 * @example Compress a page
 * ```ts
 * import { loadZstd } from "./_zstd.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const compress = await loadZstd();
 * const out = compress(new Uint8Array(1000));
 * assertEquals([...out.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]); // the zstd frame magic
 * ```
 *
 * @module
 */

/** The compression level: 1, as pyarrow's default for zstd (fast; most of the size gain). */
export const ZSTD_LEVEL = 1;

/** Loads the compressor: a function from bytes to one zstd frame. */
export async function loadZstd(level = ZSTD_LEVEL): Promise<(bytes: Uint8Array) => Uint8Array> {
  const zlib = await import("node:zlib");
  const params = { [zlib.constants.ZSTD_c_compressionLevel]: level };
  return (bytes) => zlib.zstdCompressSync(bytes, { params });
}
