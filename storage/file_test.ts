import { assertEquals, assertRejects } from "@std/assert";
import { StorageError } from "../errors.ts";
import { FileStorage } from "./file.ts";

Deno.test("FileStorage.write() with an aborted signal leaves an existing file as it was", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/outputs.pb`;
    await Deno.writeTextFile(path, "previous");
    const storage = new FileStorage();
    for (const data of [new Uint8Array([1, 2, 3]), new Uint8Array(0)]) {
      const err = await assertRejects(
        () => storage.write(path, data, { signal: AbortSignal.abort() }),
        StorageError,
        "aborted",
      );
      assertEquals(err.code, "SYSTEM:Aborted");
      assertEquals(await Deno.readTextFile(path), "previous");
    }
    await storage.write(`${dir}/new/a.pb`, new Uint8Array([7]));
    assertEquals(await Deno.readFile(`${dir}/new/a.pb`), new Uint8Array([7]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorage.upload() with move renames the file into a new folder, else copies", async () => {
  const dir = await Deno.makeTempDir();
  const shm = await Deno.makeTempDir({ dir: "/dev/shm" }).catch(() => undefined);
  try {
    const storage = new FileStorage();
    await Deno.writeTextFile(`${dir}/a.parquet`, "rows");
    const { ino } = await Deno.stat(`${dir}/a.parquet`);
    await storage.upload(`${dir}/a.parquet`, `${dir}/raw/0123/00000`, { move: true });
    assertEquals(await Deno.readTextFile(`${dir}/raw/0123/00000`), "rows");
    assertEquals((await Deno.stat(`${dir}/raw/0123/00000`)).ino, ino); // the same file, moved
    await assertRejects(() => Deno.stat(`${dir}/a.parquet`), Deno.errors.NotFound);
    // Without move, a copy; the local file stays.
    await Deno.writeTextFile(`${dir}/b.parquet`, "more");
    await storage.upload(`${dir}/b.parquet`, `${dir}/raw/4567/00000`);
    assertEquals(await Deno.readTextFile(`${dir}/b.parquet`), "more");
    // A destination that is a folder fails as a copy would; a missing source is named.
    await Deno.mkdir(`${dir}/raw/folder`);
    await assertRejects(
      () => storage.upload(`${dir}/b.parquet`, `${dir}/raw/folder`, { move: true }),
      StorageError,
    );
    assertEquals(await Deno.readTextFile(`${dir}/b.parquet`), "more");
    const missing = await assertRejects(
      () => storage.upload(`${dir}/nope`, `${dir}/raw/x`, { move: true }),
      StorageError,
      "cannot read local file",
    );
    assertEquals(missing.code, "USER:NotFound");
    // Across file systems (tmpfs here), a copy: the local file stays.
    if (shm && (await Deno.stat(shm)).dev !== (await Deno.stat(dir)).dev) {
      await storage.upload(`${dir}/b.parquet`, `${shm}/sub/00000`, { move: true });
      assertEquals(await Deno.readTextFile(`${shm}/sub/00000`), "more");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    if (shm) await Deno.remove(shm, { recursive: true });
  }
});
