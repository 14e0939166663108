/**
 * Unpacks the single database file of a zip, tar or gzip-compressed tar archive, refusing
 * anything that could write outside the target folder or exhaust the disk: members with absolute
 * or `..` paths, links and special files, encrypted members, more than one file, and archives
 * that expand beyond a limit (counted as bytes are written, not as the archive declares them).
 *
 * @example A plain database is not an archive
 * ```ts
 * import { extractSingleFile } from "./archive.ts";
 * import { UserError } from "../../errors.ts";
 * import { assertRejects } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/plain.db`, "not an archive");
 * await assertRejects(() => extractSingleFile(`${dir}/plain.db`, `${dir}/out`), UserError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { bad } from "./_archive_common.ts";
import { extractTar } from "./_archive_tar.ts";
import { extractZip } from "./_archive_zip.ts";

/** Options of {@linkcode extractSingleFile}. */
export interface ExtractOptions {
  /**
   * The most bytes the archive may expand to (the file, and for tar archives every header and
   * member). @default {8589934592} (8 GiB)
   */
  maxBytes?: number;
  /** The most members (files, folders, headers) the archive may hold. @default {10000} */
  maxMembers?: number;
  /** Aborts the extraction. */
  signal?: AbortSignal;
  /**
   * The name errors give the archive: the URI the user gave, when the file is a local copy of
   * it. @default {the archive's path}
   */
  name?: string;
}

/** The archive formats flyteshim unpacks. */
export type ArchiveFormat = "zip" | "tar" | "tar.gz";

const DEFAULT_MAX_BYTES = 8 * 1024 ** 3;
const DEFAULT_MAX_MEMBERS = 10_000;

/**
 * Detects the format of an archive from its first bytes.
 *
 * @example Formats by their first bytes
 * ```ts
 * import { detectArchiveFormat } from "./archive.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(detectArchiveFormat(new Uint8Array([0x50, 0x4b, 3, 4])), "zip");
 * assertEquals(detectArchiveFormat(new Uint8Array([0x1f, 0x8b, 8])), "tar.gz");
 * assertEquals(detectArchiveFormat(new TextEncoder().encode("SQLite format 3\0")), undefined);
 * ```
 */
export function detectArchiveFormat(head: Uint8Array): ArchiveFormat | undefined {
  if (
    head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) &&
    (head[3] === 4 || head[3] === 6)
  ) {
    return "zip";
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return "tar.gz";
  if (head.length >= 262 && new TextDecoder().decode(head.subarray(257, 262)) === "ustar") {
    return "tar";
  }
  return undefined;
}

function describeUnknown(head: Uint8Array): string {
  const text = new TextDecoder().decode(head.subarray(0, 16));
  if (text.startsWith("SQLite format 3")) {
    return "it is a SQLite database, not an archive (set compressed to false)";
  }
  if (text.startsWith("BZh")) {
    return "bzip2-compressed archives are not supported (use zip, tar or tar.gz)";
  }
  if (head[0] === 0xfd && text.slice(1, 5) === "7zXZ") {
    return "xz-compressed archives are not supported (use zip, tar or tar.gz)";
  }
  return "not a zip, tar or tar.gz archive";
}

/**
 * Unpacks the one file of an archive into `outDir` (created if needed) and returns its path,
 * `<outDir>/<file name>`. Zip, tar and gzip-compressed tar archives are recognized by their
 * content; folder members are allowed, macOS `__MACOSX` and `._*` members skipped.
 *
 * @throws {UserError} Code `USER:BadArchive` for an unknown format, an unsafe or special member,
 * no file or more than one, or an archive that expands beyond `maxBytes`.
 * @example A tar archive with one file
 * ```ts
 * import { extractSingleFile } from "./archive.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // A tar archive with one file, "a.db", holding "hi".
 * const header = new Uint8Array(512);
 * const put = (text: string, at: number) => header.set(new TextEncoder().encode(text), at);
 * put("a.db", 0); put("0000644\0", 100); put("00000000002\0", 124); put("0", 156);
 * put("ustar\x0000", 257);
 * put("        ", 148);
 * put(header.reduce((a, b) => a + b, 0).toString(8).padStart(6, "0") + "\0 ", 148);
 * const body = new Uint8Array(512); body.set([104, 105]);
 * const dir = await Deno.makeTempDir();
 * const end = new Uint8Array(1024);
 * await Deno.writeFile(`${dir}/x.tar`, new Uint8Array([...header, ...body, ...end]));
 * const path = await extractSingleFile(`${dir}/x.tar`, `${dir}/out`);
 * assertEquals(await Deno.readTextFile(path), "hi");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function extractSingleFile(
  archivePath: string,
  outDir: string,
  options: ExtractOptions = {},
): Promise<string> {
  const file = await Deno.open(archivePath);
  let head: Uint8Array;
  try {
    head = new Uint8Array(512);
    let n = 0;
    while (n < head.length) {
      const r = await file.read(head.subarray(n));
      if (r === null) break;
      n += r;
    }
    head = head.subarray(0, n);
  } finally {
    file.close();
  }
  const name = options.name ?? archivePath;
  const format = detectArchiveFormat(head);
  if (!format) throw bad(name, describeUnknown(head));
  await Deno.mkdir(outDir, { recursive: true });
  const limits = {
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    maxMembers: options.maxMembers ?? DEFAULT_MAX_MEMBERS,
    signal: options.signal,
    name,
  };
  if (format === "zip") return await extractZip(archivePath, outDir, limits);
  return await extractTar(archivePath, outDir, format === "tar.gz", limits);
}
