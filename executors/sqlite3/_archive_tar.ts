// Tar archives, plain or gzip-compressed, read as a stream of 512-byte blocks (ustar, GNU long
// names and base-256 sizes, pax headers).
import {
  bad,
  BudgetedFile,
  fileName,
  isJunk,
  type Limits,
  safeMemberPath,
} from "./_archive_common.ts";

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

/**
 * Unpacks the one file of a tar archive (gzip-compressed when `gzip`) into `outDir`; returns its
 * path.
 */
export async function extractTar(
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
