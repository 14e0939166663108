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
