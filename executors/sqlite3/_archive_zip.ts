// Zip archives, read with zip.js (loaded on the first zip archive) through a Deno file reader.
import { UserError } from "../../errors.ts";
import {
  bad,
  BudgetedFile,
  fileName,
  isJunk,
  type Limits,
  safeMemberPath,
} from "./_archive_common.ts";

/** Unpacks the one file of a zip archive into `outDir`; returns its path. */
export async function extractZip(path: string, outDir: string, limits: Limits): Promise<string> {
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
