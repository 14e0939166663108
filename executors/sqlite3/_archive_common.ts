// What the zip and tar readers share: the error they raise, member path checks, the unpacked
// file's name and a file sink that counts bytes against the size limit.
import { UserError } from "../../errors.ts";

/** The bounds of one extraction. */
export interface Limits {
  /** The most bytes the archive may expand to. */
  maxBytes: number;
  /** The most members the archive may hold. */
  maxMembers: number;
  /** Aborts the extraction. */
  signal?: AbortSignal;
  /** The name errors give the archive. */
  name: string;
}

/** A `USER:BadArchive` error about an archive. */
export function bad(archive: string, detail: string, cause?: unknown): UserError {
  return new UserError(`Cannot unpack "${archive}": ${detail}`, { code: "USER:BadArchive", cause });
}

/**
 * Checks a member path: relative, no `..` segment, no backslash or drive letter, no NUL.
 * Returns the path without a leading `./` and trailing `/`.
 */
export function safeMemberPath(archive: string, name: string): string {
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
export function isJunk(path: string): boolean {
  return path === "__MACOSX" || path.startsWith("__MACOSX/") || /(^|\/)\._[^/]*$/.test(path);
}

/** The name the unpacked file gets: the member's base name, or `database.db`. */
export function fileName(path: string): string {
  const base = path.split("/").pop() ?? "";
  return base && base !== "." ? base : "database.db";
}

/** A file sink that refuses to grow beyond the byte budget. */
export class BudgetedFile {
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
