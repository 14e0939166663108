// Registration packages: a flat gzip tar of `admin.TaskSpec` files, as `pyflyte package` writes
// them and `flytectl register files` reads them (docs/flyte-contract.md#registration-packages).
import { encodeTaskSpec } from "../idl/admin.ts";
import type { PrebuiltTask, SerializeOptions } from "./types.ts";
import { toTaskSpec } from "./serialize.ts";
import { tar } from "./_tar.ts";

/** Options of {@linkcode writePackage}. */
export type PackageOptions = SerializeOptions;

/**
 * The name of a task's entry, number `index` of `count`, in a package: `<index>_<name>_1.pb`, the
 * index zero-padded to `ceil(log10(count))` digits as flytekit pads it (so that names sort in
 * order), `_1` marking a `TaskSpec`.
 *
 * @example Names sort in creation order
 * ```ts
 * import { packageEntryName } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(packageEntryName("tracks", { index: 0, count: 1 }), "0_tracks_1.pb");
 * assertEquals(packageEntryName("tracks", { index: 3, count: 11 }), "03_tracks_1.pb");
 * ```
 */
export function packageEntryName(
  name: string,
  position: { index: number; count: number },
): string {
  const { index, count } = position;
  const digits = count <= 1 ? 0 : Math.ceil(Math.log10(count));
  return `${String(index).padStart(digits, "0")}_${name}_1.pb`;
}

/**
 * Writes a registration package: one `flyteidl.admin.TaskSpec` per task, named
 * `<idx>_<name>_1.pb`, in a flat `.tgz`. Identifiers keep project, domain and version empty for
 * `flytectl register files --project P --domain D --version V` to fill. Returns the entry names.
 *
 * @throws {TypeError} When two tasks share a name, or a task cannot be serialized (no image).
 * @example Package one task
 * ```ts
 * import { defineTask, writePackage } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const task = defineTask({ name: "noop", taskType: "noop", executor: "example.noop" });
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/flyte-package.tgz`;
 * assertEquals(await writePackage([task], path, { image: "example:1" }), ["0_noop_1.pb"]);
 * assertEquals((await Deno.readFile(path)).subarray(0, 2), new Uint8Array([0x1f, 0x8b]));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example The image given when packaging
 * ```ts
 * import { defineTask, type PackageOptions, writePackage } from "@flyteshim/flyteshim/task";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const task = defineTask({ name: "noop", taskType: "noop", executor: "example.noop" });
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/flyte-package.tgz`;
 * await assertRejects(() => writePackage([task], path), TypeError, "no container image");
 * const options: PackageOptions = { image: "ghcr.io/acme/flyteshim:0.1.0" };
 * assertEquals(await writePackage([task], path, options), ["0_noop_1.pb"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writePackage(
  tasks: readonly PrebuiltTask[],
  path: string,
  options: PackageOptions = {},
): Promise<string[]> {
  const seen = new Set<string>();
  for (const task of tasks) {
    if (seen.has(task.name)) {
      throw new TypeError(`Cannot package tasks: the name "${task.name}" is used twice`);
    }
    seen.add(task.name);
  }
  const mtime = Math.floor(Date.now() / 1000);
  const entries = tasks.map((task, index) => ({
    name: packageEntryName(task.name, { index, count: tasks.length }),
    data: encodeTaskSpec(toTaskSpec(task, options)),
    mtime,
  }));
  const { gzipSync } = await import("node:zlib");
  // Written beside the target and renamed over it: a failed write leaves no half archive.
  const partial = `${path}.partial-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(partial, new Uint8Array(gzipSync(tar(entries))));
    await Deno.rename(partial, path);
  } catch (error) {
    await Deno.remove(partial).catch(() => {});
    throw error;
  }
  return entries.map((e) => e.name);
}
