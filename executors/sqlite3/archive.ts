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

import { UserError } from "../../errors.ts";

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

function bad(archive: string, detail: string, cause?: unknown): UserError {
  return new UserError(`Cannot unpack "${archive}": ${detail}`, { code: "USER:BadArchive", cause });
}

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
 * Checks a member path: relative, no `..` segment, no backslash or drive letter, no NUL.
 * Returns the path without a leading `./` and trailing `/`.
 */
function safeMemberPath(archive: string, name: string): string {
  const trimmed = name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  if (
    name.startsWith("/") || name.includes("\\") || name.includes("\0") || /^[A-Za-z]:/.test(name) ||
    trimmed.split("/").some((part) => part === "..")
  ) {
    throw bad(archive, `member "${name}" would be written outside the target folder`);
  }
  return trimmed;
}

/** Junk that macOS adds to archives; skipped. */
function isJunk(path: string): boolean {
  return path === "__MACOSX" || path.startsWith("__MACOSX/") || /(^|\/)\._[^/]*$/.test(path);
}

function fileName(path: string): string {
  const base = path.split("/").pop() ?? "";
  return base && base !== "." ? base : "database.db";
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
 * put("a.db", 0); put("0000644\0", 100); put("00000000002\0", 124); put("0", 156); put("ustar\x0000", 257);
 * put("        ", 148);
 * put(header.reduce((a, b) => a + b, 0).toString(8).padStart(6, "0") + "\0 ", 148);
 * const body = new Uint8Array(512); body.set([104, 105]);
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/x.tar`, new Uint8Array([...header, ...body, ...new Uint8Array(1024)]));
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

type Limits = Required<Omit<ExtractOptions, "signal">> & { signal?: AbortSignal };

/** A file sink that refuses to grow beyond the byte budget. */
class BudgetedFile {
  #file: Deno.FsFile;
  written = 0;
  constructor(readonly path: string, readonly archive: string, readonly budget: { left: number }) {
    this.#file = Deno.openSync(path, { write: true, createNew: true });
  }
  async write(chunk: Uint8Array): Promise<void> {
    this.budget.left -= chunk.length;
    if (this.budget.left < 0) throw bad(this.archive, "it expands beyond the size limit");
    this.written += chunk.length;
    let off = 0;
    while (off < chunk.length) off += await this.#file.write(chunk.subarray(off));
  }
  close(): void {
    try {
      this.#file.close();
    } catch { /* closed */ }
  }
}

async function extractZip(path: string, outDir: string, limits: Limits): Promise<string> {
  const archive = limits.name;
  const zip = await import("@zip.js/zip.js");
  zip.configure({ useWebWorkers: false });
  const file = await Deno.open(path);
  class FsFileReader extends zip.Reader<Deno.FsFile> {
    #queue: Promise<unknown> = Promise.resolve();
    override async init() {
      this.size = (await file.stat()).size;
    }
    override readUint8Array(offset: number, length: number): Promise<Uint8Array> {
      const result = this.#queue.then(async () => {
        await file.seek(offset, Deno.SeekMode.Start);
        const data = new Uint8Array(length);
        let read = 0;
        while (read < length) {
          const n = await file.read(data.subarray(read));
          if (n === null) return data.subarray(0, read);
          read += n;
        }
        return data;
      });
      this.#queue = result.catch(() => undefined);
      return result;
    }
  }
  const reader = new zip.ZipReader(new FsFileReader(file));
  try {
    let entries: Awaited<ReturnType<typeof reader.getEntries>>;
    try {
      entries = await reader.getEntries();
    } catch (cause) {
      if ((cause as Error).message === zip.ERR_UNSAFE_FILENAME) {
        const name = (cause as { filename?: string }).filename ?? "";
        throw bad(archive, `member "${name}" would be written outside the target folder`, cause);
      }
      throw bad(archive, `not a readable zip archive: ${(cause as Error).message}`, cause);
    }
    if (entries.length > limits.maxMembers) {
      throw bad(archive, `it holds ${entries.length} members, more than ${limits.maxMembers}`);
    }
    const files = [];
    let declared = 0;
    for (const entry of entries) {
      const path = safeMemberPath(archive, entry.filename);
      if (entry.symlink) throw bad(archive, `member "${entry.filename}" is a link`);
      if (entry.directory || isJunk(path)) continue;
      if (entry.encrypted) throw bad(archive, `member "${entry.filename}" is encrypted`);
      declared += entry.uncompressedSize;
      files.push({ entry, path });
    }
    if (files.length !== 1) {
      throw bad(
        archive,
        `it must hold exactly one database file, found ${describeFiles(files.map((f) => f.path))}`,
      );
    }
    if (declared > limits.maxBytes) throw bad(archive, "it expands beyond the size limit");
    const { entry, path } = files[0];
    const target = `${outDir}/${fileName(path)}`;
    const out = new BudgetedFile(target, archive, { left: limits.maxBytes });
    try {
      const writable = new WritableStream<Uint8Array>({ write: (chunk) => out.write(chunk) });
      // deno-lint-ignore no-explicit-any
      await (entry as any).getData(writable, { signal: limits.signal, checkSignature: true });
    } catch (cause) {
      if (cause instanceof UserError) throw cause;
      if (limits.signal?.aborted) throw cause;
      throw bad(
        archive,
        `member "${entry.filename}" is corrupt: ${(cause as Error).message}`,
        cause,
      );
    } finally {
      out.close();
    }
    return target;
  } finally {
    await reader.close().catch(() => undefined);
    try {
      file.close();
    } catch { /* closed */ }
  }
}

function describeFiles(paths: string[]): string {
  if (paths.length === 0) return "none";
  const shown = paths.slice(0, 5).map((p) => `"${p}"`).join(", ");
  return `${paths.length} (${shown}${paths.length > 5 ? ", ..." : ""})`;
}

/** Reads exactly `n` bytes from a stream reader, keeping leftovers. */
class ByteSource {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  #pos = 0;
  consumed = 0;
  constructor(
    stream: ReadableStream<Uint8Array>,
    readonly archive: string,
    readonly budget: { left: number },
  ) {
    this.#reader = stream.getReader();
  }
  /** Next chunk of at most `max` bytes; `undefined` at the end. */
  async next(max: number): Promise<Uint8Array | undefined> {
    if (this.#pos >= this.#buf.length) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await this.#reader.read();
      } catch (cause) {
        throw bad(this.archive, `corrupt compressed data: ${(cause as Error).message}`, cause);
      }
      if (r.done) return undefined;
      this.#buf = r.value;
      this.#pos = 0;
      this.budget.left -= r.value.length;
      if (this.budget.left < 0) throw bad(this.archive, "it expands beyond the size limit");
    }
    const n = Math.min(max, this.#buf.length - this.#pos);
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    this.consumed += n;
    return out;
  }
  /** Exactly `n` bytes, or `undefined` at a clean end (no byte read). */
  async exactly(n: number): Promise<Uint8Array | undefined> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const chunk = await this.next(n - got);
      if (!chunk) {
        if (got === 0) return undefined;
        throw bad(this.archive, "it ends in the middle of a member");
      }
      out.set(chunk, got);
      got += chunk.length;
    }
    return out;
  }
  async skip(n: number): Promise<void> {
    while (n > 0) {
      const chunk = await this.next(n);
      if (!chunk) throw bad(this.archive, "it ends in the middle of a member");
      n -= chunk.length;
    }
  }
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function octal(archive: string, bytes: Uint8Array): number {
  if (bytes[0] & 0x80) {
    // base-256 (GNU) for large sizes
    let value = 0;
    for (let i = 1; i < bytes.length; i++) value = value * 256 + bytes[i];
    if (bytes[0] & 0x40) throw bad(archive, "a member has a negative size");
    return value + (bytes[0] & 0x3f) * 256 ** (bytes.length - 1);
  }
  const text = cString(bytes).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw bad(archive, `bad number "${text}" in a member header`);
  return parseInt(text, 8);
}

function parsePax(data: Uint8Array): Record<string, string> {
  const text = new TextDecoder().decode(data);
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const space = text.indexOf(" ", i);
    if (space < 0) break;
    const len = parseInt(text.slice(i, space), 10);
    if (!(len > 0)) break;
    const record = text.slice(space + 1, i + len - 1);
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  "1": "a hard link",
  "2": "a symbolic link",
  "3": "a character device",
  "4": "a block device",
  "6": "a FIFO",
  "7": "a contiguous file",
  S: "a sparse file",
};

async function extractTar(
  path: string,
  outDir: string,
  gzip: boolean,
  limits: Limits,
): Promise<string> {
  const archive = limits.name;
  const file = await Deno.open(path);
  const stream: ReadableStream<Uint8Array> = gzip
    ? file.readable.pipeThrough(new DecompressionStream("gzip"))
    : file.readable;
  const budget = { left: limits.maxBytes };
  const source = new ByteSource(stream, archive, budget);
  let target: string | undefined;
  let found: string | undefined;
  let members = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  try {
    for (;;) {
      if (limits.signal?.aborted) throw limits.signal.reason;
      const header = await source.exactly(512);
      if (!header) break;
      if (header.every((b) => b === 0)) break; // end of archive
      if (++members > limits.maxMembers) {
        throw bad(archive, `it holds more than ${limits.maxMembers} members`);
      }
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
      if (sum !== octal(archive, header.subarray(148, 156))) {
        throw bad(archive, "a member header is corrupt");
      }
      const type = String.fromCharCode(header[156] || 48);
      const size = octal(archive, header.subarray(124, 136));
      const padded = Math.ceil(size / 512) * 512;
      if (type === "x" || type === "g" || type === "L" || type === "K") {
        if (size > 1024 * 1024) throw bad(archive, "a member header is too large");
        const data = (await source.exactly(padded)) ?? new Uint8Array(0);
        if (type === "x") pax = parsePax(data.subarray(0, size));
        if (type === "L") longName = cString(data.subarray(0, size));
        continue;
      }
      const magic = cString(header.subarray(257, 263));
      const prefix = magic.startsWith("ustar") ? cString(header.subarray(345, 500)) : "";
      const rawName = pax.path ?? longName ??
        (prefix
          ? `${prefix}/${cString(header.subarray(0, 100))}`
          : cString(header.subarray(0, 100)));
      const memberSize = pax.size !== undefined ? Number(pax.size) : size;
      const memberPadded = Math.ceil(memberSize / 512) * 512;
      pax = {};
      longName = undefined;
      const path = safeMemberPath(archive, rawName);
      if (TYPE_NAMES[type]) throw bad(archive, `member "${rawName}" is ${TYPE_NAMES[type]}`);
      if (type === "5") {
        await source.skip(memberPadded);
        continue;
      }
      if (type !== "0") throw bad(archive, `member "${rawName}" has unsupported type "${type}"`);
      if (isJunk(path)) {
        await source.skip(memberPadded);
        continue;
      }
      if (found !== undefined) {
        throw bad(
          archive,
          `it must hold exactly one database file, found more ("${found}", "${path}")`,
        );
      }
      found = path;
      target = `${outDir}/${fileName(path)}`;
      const out = new BudgetedFile(target, archive, { left: Infinity });
      try {
        let left = memberSize;
        while (left > 0) {
          const chunk = await source.next(left);
          if (!chunk) throw bad(archive, "it ends in the middle of a member");
          await out.write(chunk);
          left -= chunk.length;
        }
      } finally {
        out.close();
      }
      await source.skip(memberPadded - memberSize);
    }
  } finally {
    await source.cancel();
  }
  if (!target) throw bad(archive, "it must hold exactly one database file, found none");
  return target;
}
