import { removing, tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { StorageError } from "../errors.ts";
import { FileStorage } from "./file.ts";

Deno.test("FileStorage.write() with an aborted signal leaves an existing file as it was", async () => {
  const dir = await tempDir();
  await using _dir = removing(dir);
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
});

Deno.test("FileStorage.upload() with move renames the file into a new folder, else copies", async () => {
  const dir = await tempDir();
  const shm = await tempDir({ dir: "/dev/shm" }).catch(() => undefined);
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

async function inTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir({ prefix: "flyteshim-file-" });
  await using _dir = removing(dir);
  await run(dir);
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("FileStorage.upload() with move fails for a folder as a copy does, leaving it in place", async () => {
  await inTempDir(async (dir) => {
    const storage = new FileStorage();
    await Deno.mkdir(`${dir}/raw/0123`, { recursive: true });
    await Deno.mkdir(`${dir}/result`);
    await Deno.writeTextFile(`${dir}/result/part`, "rows");
    await assertRejects(
      () => storage.upload(`${dir}/result`, `${dir}/raw/0123/copied`),
      StorageError,
      "is a directory",
    );
    await assertRejects(
      () => storage.upload(`${dir}/result`, `${dir}/raw/0123/00000`, { move: true }),
      StorageError,
      "is a directory",
    );
    assert(!exists(`${dir}/raw/0123/00000`), "a folder was moved to the object's path");
    assert(exists(`${dir}/result/part`), "the local folder is gone");
  });
});

Deno.test("FileStorage.upload() with move writes a regular file with a symlink target's content", async () => {
  // A moved link would dangle (a relative one at once, an absolute one with the work folder).
  await inTempDir(async (dir) => {
    const storage = new FileStorage();
    await Deno.mkdir(`${dir}/work`);
    await Deno.writeTextFile(`${dir}/work/result.parquet`, "rows");
    await Deno.symlink("result.parquet", `${dir}/work/link.parquet`);
    await storage.upload(`${dir}/work/link.parquet`, `${dir}/raw/4567/00000`, { move: true });
    assert(!(await Deno.lstat(`${dir}/raw/4567/00000`)).isSymlink, "the object is a link");
    assertEquals(await Deno.readTextFile(`${dir}/raw/4567/00000`), "rows");
  });
});

Deno.test("FileStorage.upload() with move copies a hard-linked file", async () => {
  // Writes through the other name must not change the uploaded object.
  await inTempDir(async (dir) => {
    const storage = new FileStorage();
    await Deno.writeTextFile(`${dir}/a`, "rows");
    await Deno.link(`${dir}/a`, `${dir}/b`);
    await storage.upload(`${dir}/a`, `${dir}/raw/00000`, { move: true });
    await Deno.writeTextFile(`${dir}/b`, "changed");
    assertEquals(await Deno.readTextFile(`${dir}/raw/00000`), "rows");
  });
});

Deno.test("FileStorage.upload() of a FIFO is refused before anything opens it", async () => {
  // Opening a FIFO blocks until a writer comes: the check must come first (bounded at 2 s here,
  // with a writer released by timeout(1) should the upload block, so that nothing can hang).
  await inTempDir(async (dir) => {
    const fifo = `${dir}/result.fifo`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert(made.success, "mkfifo failed");
    const storage = new FileStorage();
    for (const move of [true, false]) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const upload = storage.upload(fifo, `${dir}/raw/89ab/00000`, { move }).then(
        () => "resolved" as const,
        (error) => error instanceof StorageError ? "refused" as const : "other" as const,
      );
      const outcome = await Promise.race([
        upload,
        new Promise<"blocked">((resolve) => timer = setTimeout(() => resolve("blocked"), 2000)),
      ]);
      clearTimeout(timer);
      if (outcome === "blocked") {
        await new Deno.Command("timeout", {
          args: ["2", "sh", "-c", 'exec 3>"$1"; sleep 0.2', "sh", fifo],
        }).output();
        await upload;
      }
      assertEquals(outcome, "refused", `move: ${move}`);
      assert(!exists(`${dir}/raw/89ab/00000`), "a FIFO was moved to the object's path");
    }
  });
});

Deno.test("FileStorage.upload() onto the local file itself is refused, with or without move", async () => {
  // rename(a, a) succeeds and does nothing: the executors would then remove the only copy.
  await inTempDir(async (dir) => {
    const storage = new FileStorage();
    const path = `${dir}/00000`;
    await Deno.writeTextFile(path, "rows");
    for (const move of [false, true]) {
      const error = await assertRejects(
        () => storage.upload(path, `file://${path}`, { move }),
        StorageError,
        "itself",
      );
      assertEquals([error.code, error.origin], ["USER:InvalidInput", "user"]);
    }
    assertEquals(await Deno.readTextFile(path), "rows");
  });
});

Deno.test("FileStorage.read() of a large file aborted while pending rejects with SYSTEM:Aborted", async () => {
  // Small files (protobufs on the start-up path) are read synchronously; large ones (offloaded
  // literals) asynchronously, so that an abort interrupts them and the event loop stays free.
  await inTempDir(async (dir) => {
    const storage = new FileStorage();
    await Deno.writeFile(`${dir}/literal.pb`, new Uint8Array(16 * 1024 * 1024));
    const controller = new AbortController();
    const pending = storage.read(`${dir}/literal.pb`, { signal: controller.signal });
    controller.abort(new DOMException("received SIGTERM", "AbortError"));
    const error = await assertRejects(() => pending, StorageError, "aborted");
    assertEquals(error.code, "SYSTEM:Aborted");
    assertEquals((await storage.read(`${dir}/literal.pb`)).length, 16 * 1024 * 1024);
  });
});

Deno.test("FileStorage.write() and upload() leave no temporary file, and replace atomically", async () => {
  await inTempDir(async (dir) => {
    const storage = new FileStorage();
    await storage.write(`${dir}/out/outputs.pb`, new Uint8Array([1]));
    await storage.write(`${dir}/out/outputs.pb`, new Uint8Array([2, 3]));
    await Deno.writeTextFile(`${dir}/local`, "rows");
    await storage.upload(`${dir}/local`, `${dir}/out/00000`);
    const names = [];
    for await (const entry of Deno.readDir(`${dir}/out`)) names.push(entry.name);
    assertEquals(names.sort(), ["00000", "outputs.pb"]);
    assertEquals(await Deno.readFile(`${dir}/out/outputs.pb`), new Uint8Array([2, 3]));
    // A write onto a folder fails and leaves nothing behind.
    await Deno.mkdir(`${dir}/out/folder`);
    await assertRejects(
      () => storage.write(`${dir}/out/folder`, new Uint8Array([1])),
      StorageError,
    );
    const after = [];
    for await (const entry of Deno.readDir(`${dir}/out`)) after.push(entry.name);
    assertEquals(after.sort(), ["00000", "folder", "outputs.pb"]);
  });
});

Deno.test("FileStorage.write() through a symbolic link writes its target, not over the link", async () => {
  // A whole-file write renames a new file into place; a link (or a device) at the destination
  // is written through instead, as a plain write would.
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/target`, "old");
    await Deno.symlink(`${dir}/target`, `${dir}/link`);
    await new FileStorage().write(`${dir}/link`, new TextEncoder().encode("new"));
    assertEquals(await Deno.readTextFile(`${dir}/target`), "new");
    assert(Deno.lstatSync(`${dir}/link`).isSymlink, "the link was replaced by a file");
  });
});

Deno.test("FileStorage() writes and copies files whose names are close to NAME_MAX", async () => {
  // A 240-byte name is valid: the temporary name must not grow it past 255 bytes.
  await inTempDir(async (dir) => {
    const storage = new FileStorage();
    await storage.write(`${dir}/${"a".repeat(240)}`, new TextEncoder().encode("x"));
    await Deno.writeTextFile(`${dir}/src`, "y");
    await storage.upload(`${dir}/src`, `${dir}/${"b".repeat(240)}`);
    assertEquals(await Deno.readTextFile(`${dir}/${"b".repeat(240)}`), "y");
  });
});

Deno.test("FileStorage.write() tries another temporary name when one is taken", async () => {
  // A file left by a run killed mid-write may hold a temporary name: the write picks another.
  // Math.random is pinned so that the first name is the taken one.
  await inTempDir(async (dir) => {
    const random = Math.random;
    const values = [0.25, 0.5];
    Math.random = () => values.shift() ?? random();
    try {
      const taken = `${dir}/.flyteshim-${(0.25).toString(36).slice(2, 10)}.tmp`;
      await Deno.writeTextFile(taken, "left by a kill");
      await new FileStorage().write(`${dir}/outputs.pb`, new TextEncoder().encode("outputs"));
      assertEquals(await Deno.readTextFile(`${dir}/outputs.pb`), "outputs");
      assertEquals(await Deno.readTextFile(taken), "left by a kill");
      assertEquals(values, []); // both names were drawn: the taken one, then a free one
    } finally {
      Math.random = random;
    }
  });
});
