// Checkpoints across attempts (--checkpoint-path / --prev-checkpoint), as flytekit's
// SyncCheckpoint.
import { UserError } from "../errors.ts";
import type { Checkpoint } from "../executors/mod.ts";
import { joinUri } from "../storage/storage.ts";
import type { Storage } from "../storage/types.ts";

/** The file name `write(bytes)` saves to, as flytekit. */
export const CHECKPOINT_BYTES_FILE = "_dst_cp";

/** Options of {@linkcode createCheckpoint}. */
export interface CheckpointOptions {
  /** Where this attempt saves (a URI). */
  destination: string;
  /** The previous attempt's checkpoint (a URI), if any. */
  previous?: string;
  /** Storage for both. */
  storage: Storage;
  /** A local scratch folder for the restored copy. */
  workDir: string;
  /** Aborts transfers. */
  signal?: AbortSignal;
}

/**
 * Creates the checkpoint an executor restores from and saves to.
 *
 * @example Save and restore
 * ```ts
 * import { createCheckpoint } from "./checkpoint.ts";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const storage = createStorage();
 * const first = createCheckpoint({ destination: `${dir}/cp0`, storage, workDir: dir });
 * await first.write(new TextEncoder().encode("step 3"));
 * const second = createCheckpoint({
 *   destination: `${dir}/cp1`,
 *   previous: `${dir}/cp0`,
 *   storage,
 *   workDir: dir,
 * });
 * assertEquals(new TextDecoder().decode(await second.read()), "step 3");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example A first attempt has nothing to restore
 * ```ts
 * import { type CheckpointOptions, createCheckpoint } from "./checkpoint.ts";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const options: CheckpointOptions = {
 *   destination: `${dir}/cp0`,
 *   storage: createStorage(),
 *   workDir: dir,
 * };
 * const checkpoint = createCheckpoint(options);
 * assertEquals([checkpoint.destination, await checkpoint.read()], [`${dir}/cp0`, undefined]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createCheckpoint(options: CheckpointOptions): Checkpoint {
  const { destination, previous, storage, workDir, signal } = options;
  let restored: Promise<string | undefined> | undefined;
  let scratch = 0;
  const restore = (): Promise<string | undefined> => {
    restored ??= (async () => {
      if (!previous) return undefined;
      const dir = `${workDir}/prev_cp`;
      await Deno.mkdir(dir, { recursive: true });
      await storage.downloadDir(previous, dir, { signal });
      for await (const _ of Deno.readDir(dir)) return dir;
      return undefined; // the previous attempt saved nothing
    })();
    return restored;
  };
  return {
    destination,
    previous,
    restore,
    async save(localPath) {
      const info = await Deno.stat(localPath);
      if (info.isDirectory) {
        await storage.uploadDir(localPath, destination, { signal });
      } else {
        const name = localPath.replace(/\\/g, "/").split("/").pop()!;
        await storage.upload(localPath, joinUri(destination, name), { signal });
      }
    },
    async read() {
      const dir = await restore();
      if (!dir) return undefined;
      const entries: Deno.DirEntry[] = [];
      for await (const entry of Deno.readDir(dir)) entries.push(entry);
      if (entries.length === 0) return undefined;
      if (entries.length > 1 || !entries[0].isFile) {
        const what = entries.length > 1
          ? `${entries.length} entries`
          : `the folder "${entries[0].name}"`;
        throw new UserError(
          `Cannot read checkpoint "${previous}": it holds ${what}, expected one file`,
          { code: "USER:InvalidCheckpoint" },
        );
      }
      return await Deno.readFile(`${dir}/${entries[0].name}`);
    },
    async write(data) {
      const path = `${workDir}/cp_write_${scratch++}`;
      await Deno.writeFile(path, data);
      try {
        await storage.upload(path, joinUri(destination, CHECKPOINT_BYTES_FILE), { signal });
      } finally {
        await Deno.remove(path).catch(() => {});
      }
    },
  };
}
