// A minimal tar writer (POSIX ustar, with a PAX header for names over 100 bytes) for flat
// archives of regular files, as `flytectl register files` reads them.

const BLOCK = 512;
const encoder = new TextEncoder();

/** One regular file of the archive. */
export interface TarEntry {
  /** The member name: a plain file name, no folders. */
  name: string;
  /** The file's bytes. */
  data: Uint8Array;
  /** Modification time, seconds since the epoch. */
  mtime?: number;
}

function writeString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new RangeError(`Cannot write tar field: "${value}" is too long`);
  block.set(bytes, offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  // length - 1 octal digits, then a NUL.
  writeString(block, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

function header(name: string, size: number, mtime: number, type: "0" | "x"): Uint8Array {
  const block = new Uint8Array(BLOCK);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, mtime);
  block.fill(0x20, 148, 156); // checksum field counts as spaces
  writeString(block, 156, 1, type);
  writeString(block, 257, 6, "ustar\0");
  writeString(block, 263, 2, "00");
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

function padded(data: Uint8Array): Uint8Array[] {
  const rest = data.length % BLOCK;
  return rest ? [data, new Uint8Array(BLOCK - rest)] : [data];
}

function paxRecord(key: string, value: string): Uint8Array {
  // "<length> <key>=<value>\n", where length counts itself.
  const body = ` ${key}=${value}\n`;
  let length = encoder.encode(body).length + 1;
  while (String(length).length + encoder.encode(body).length !== length) length++;
  return encoder.encode(`${length}${body}`);
}

/** Checks that a member name is a plain file name that cannot leave the extraction folder. */
export function checkMemberName(name: string): void {
  if (!name || name === "." || name === ".." || /[/\\\0]/.test(name)) {
    throw new TypeError(`Cannot add "${name}" to the archive: not a plain file name`);
  }
}

/** The bytes of a tar archive of flat regular files. */
export function tar(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    checkMemberName(entry.name);
    const mtime = Math.floor(entry.mtime ?? Date.now() / 1000);
    let name = entry.name;
    if (encoder.encode(name).length > 100) {
      const pax = paxRecord("path", name);
      parts.push(header("PaxHeader", pax.length, mtime, "x"), ...padded(pax));
      name = name.slice(0, 90);
      while (encoder.encode(name).length > 100) name = name.slice(0, -1);
    }
    parts.push(header(name, entry.data.length, mtime, "0"), ...padded(entry.data));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
