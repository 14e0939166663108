// Local filesystem helpers shared by the storage backends and folder transfers.
import { isAbsolute, join, normalize, relative, resolve } from "node:path";
import { StorageError } from "../errors.ts";

/** Lists the files below a folder as relative paths with `/` separators, sorted. */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string) => {
    for await (const entry of Deno.readDir(rel ? join(dir, rel) : dir)) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory) await visit(child);
      else if (entry.isFile) out.push(child);
    }
  };
  await visit("");
  return out.sort();
}

/** Joins a relative object path under a folder, refusing names that would escape it. */
export function safeJoin(dir: string, rel: string, uri: string): string {
  const target = resolve(dir, normalize(rel));
  const back = relative(resolve(dir), target);
  if (!rel || isAbsolute(rel) || back.startsWith("..") || isAbsolute(back)) {
    throw new StorageError(
      "download",
      uri,
      `object name "${rel}" would escape the folder "${dir}"`,
      {
        origin: "user",
        code: "USER:UnsafePath",
      },
    );
  }
  return target;
}
