// Builds zip, tar and tar.gz archives byte by byte for tests, including malformed and hostile
// ones (escaping paths, links, devices, bombs) that ordinary tools refuse to write.

/** One archive member. */
export interface Member {
  /** Path inside the archive. */
  name: string;
  /** Content (files) or link target (links). */
  data?: Uint8Array | string;
  /**
   * tar type flag ("0" file, "5" folder, "1" hard link, "2" symlink, "3" char device, "6" FIFO, "x"
   * pax).
   */
  type?: string;
  /** zip only: mark as a symbolic link (Unix mode 0120777). */
  symlink?: boolean;
  /** zip only: compress with deflate. */
  deflate?: boolean;
  /** zip only: the uncompressed size to declare instead of the real one. */
  declaredSize?: number;
}

const enc = new TextEncoder();

function bytesOf(data: Uint8Array | string | undefined): Uint8Array {
  return typeof data === "string" ? enc.encode(data) : data ?? new Uint8Array(0);
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Compresses bytes with a CompressionStream format. */
export function compress(data: Uint8Array, format: CompressionFormat): Promise<Uint8Array> {
  return collect(
    new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream(format)),
  );
}

function tarHeader(name: string, size: number, type: string, link = ""): Uint8Array {
  const h = new Uint8Array(512);
  const put = (text: string, at: number, len: number) =>
    h.set(enc.encode(text).subarray(0, len), at);
  put(name, 0, 100);
  put("0000644\0", 100, 8);
  put("0000000\0", 108, 8);
  put("0000000\0", 116, 8);
  put(size.toString(8).padStart(11, "0") + "\0", 124, 12);
  put("00000000000\0", 136, 12);
  put(type, 156, 1);
  put(link, 157, 100);
  put("ustar\x0000", 257, 8);
  put("        ", 148, 8);
  const sum = h.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

/** A tar archive of the members (type "0" by default). */
export function tar(members: Member[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    const type = m.type ?? "0";
    const isLink = type === "1" || type === "2";
    const data = isLink ? new Uint8Array(0) : bytesOf(m.data);
    parts.push(tarHeader(m.name, data.length, type, isLink ? String(m.data ?? "") : ""));
    parts.push(data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A pax extended header member that renames the next member. */
export function paxPath(path: string): Member {
  const record = (len: number) => `${len} path=${path}\n`;
  let len = record(0).length;
  while (record(len).length !== len) len = record(len).length;
  return { name: "PaxHeader", type: "x", data: record(len) };
}

/** A gzip-compressed tar archive. */
export function tarGz(members: Member[]): Promise<Uint8Array> {
  return compress(tar(members), "gzip");
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip archive of the members (stored, or deflated with `deflate`). */
export async function zip(members: Member[]): Promise<Uint8Array> {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = enc.encode(m.name);
    const raw = bytesOf(m.data);
    const body = m.deflate ? await compress(raw, "deflate-raw") : raw;
    const crc = crc32(raw);
    const size = m.declaredSize ?? raw.length;
    const local = new Uint8Array(30 + name.length + body.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, m.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    local.set(body, 30 + name.length);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 0x0314, true); // made by Unix
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(10, m.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    const dir = m.name.endsWith("/");
    const mode = m.symlink ? 0o120777 : dir ? 0o040755 : 0o100644;
    cv.setUint32(38, ((mode << 16) | (dir ? 0x10 : 0)) >>> 0, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const centralSize = centrals.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  return new Uint8Array(
    await new Blob([...locals, ...centrals, end] as Uint8Array<ArrayBuffer>[]).arrayBuffer(),
  );
}
