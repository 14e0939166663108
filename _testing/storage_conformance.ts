/**
 * The storage conformance suite: every backend (local files, s3://, http(s):// for its read-only
 * part) passes the same cases through the public {@linkcode Storage} interface.
 *
 * ```ts ignore
 * Deno.test("file storage conforms", (t) =>
 *   storageConformance(t, { storage: createStorage(), prefix: () => Deno.makeTempDir() }));
 * ```
 *
 * @module
 */

import { removing, tempDir } from "./temp.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { StorageError } from "../errors.ts";
import { joinUri, type Storage } from "../storage/mod.ts";

/** A backend under test. */
export interface ConformanceTarget {
  /** The storage, created with `createStorage`. */
  storage: Storage;
  /** A fresh, empty prefix (folder) for one case. */
  prefix(): string | Promise<string>;
  /**
   * Puts an object in place for a read-only backend (for example by writing the file a local web
   * server serves); writable backends use `storage.write`.
   */
  seed?(uri: string, data: Uint8Array): Promise<void>;
  /** The backend refuses writes, uploads and listings. */
  readOnly?: boolean;
}

/** Bytes 0..255 repeated: every byte value, no text encoding can survive unchanged by accident. */
export function pattern(size: number, salt = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + salt + (i >> 8)) & 0xff;
  return out;
}

/** Asserts that `promise` rejects with a StorageError of `code` naming `uri` and `operation`. */
export async function assertStorageError(
  promise: Promise<unknown>,
  expected: { code: string; operation: string; uri?: string; recoverable?: boolean },
): Promise<StorageError> {
  const error = await assertRejects(() => promise, StorageError);
  assertEquals(error.code, expected.code, error.message);
  assertEquals(error.operation, expected.operation);
  assertEquals(error.recoverable, expected.recoverable ?? error.origin === "system");
  if (expected.uri !== undefined) {
    assertEquals(error.uri, expected.uri);
    assert(
      error.message.startsWith(`Cannot ${expected.operation} "${expected.uri}": `),
      error.message,
    );
  }
  assert(!error.message.endsWith("."), error.message);
  return error;
}

/** Runs every case against `target` as steps of the test `t`. */
export async function storageConformance(
  t: Deno.TestContext,
  target: ConformanceTarget,
): Promise<void> {
  const { storage } = target;
  const seed = target.seed ?? ((uri: string, data: Uint8Array) => storage.write(uri, data));
  const local = await tempDir({ prefix: "conformance-" });
  await using _local = removing(local);
  {
    await t.step("read returns the exact bytes, empty objects included", async () => {
      const prefix = await target.prefix();
      for (const [name, size] of [["empty", 0], ["one", 1], ["bin", 70_001]] as const) {
        const uri = joinUri(prefix, `sizes/${name}.bin`);
        await seed(uri, pattern(size, size));
        assertEquals(await storage.read(uri), pattern(size, size));
      }
    });

    await t.step("names with spaces and non-ASCII characters round-trip", async () => {
      const uri = joinUri(await target.prefix(), "dir with space/ünïcödé + plus.txt");
      await seed(uri, new TextEncoder().encode("ok"));
      assertEquals(new TextDecoder().decode(await storage.read(uri)), "ok");
      assertEquals(await storage.exists(uri), true);
    });

    await t.step("a missing object is a USER:NotFound error naming the URI", async () => {
      const uri = joinUri(await target.prefix(), "missing/object.pb");
      await assertStorageError(storage.read(uri), {
        code: "USER:NotFound",
        operation: "read",
        uri,
      });
      await assertStorageError(storage.download(uri, `${local}/never`), {
        code: "USER:NotFound",
        operation: "download",
        uri,
      });
    });

    await t.step("exists: objects and folders yes, missing names no", async () => {
      const prefix = await target.prefix();
      const uri = joinUri(prefix, "folder/inner/file.txt");
      await seed(uri, pattern(10));
      assertEquals(await storage.exists(uri), true);
      assertEquals(await storage.exists(joinUri(prefix, "folder/inner/fil")), false);
      assertEquals(await storage.exists(joinUri(prefix, "nothing-here")), false);
      if (!target.readOnly) assertEquals(await storage.exists(joinUri(prefix, "folder")), true);
    });

    await t.step("download streams into a new folder and reports progress", async () => {
      const uri = joinUri(await target.prefix(), "dl/data.bin");
      const data = pattern(300_000, 7);
      await seed(uri, data);
      const path = `${local}/deep/er/data.bin`;
      let last: [number, number | undefined] = [0, undefined];
      await storage.download(uri, path, { onProgress: (r, total) => (last = [r, total]) });
      assertEquals(await Deno.readFile(path), data);
      assertEquals(last, [data.length, data.length]);
      // A second download replaces the file, never appends.
      await seed(uri, pattern(5));
      await storage.download(uri, path);
      assertEquals(await Deno.readFile(path), pattern(5));
    });

    await t.step("an aborted signal stops a read with SYSTEM:Aborted", async () => {
      const uri = joinUri(await target.prefix(), "abort.bin");
      await seed(uri, pattern(10));
      const signal = AbortSignal.abort();
      await assertStorageError(storage.read(uri, { signal }), {
        code: "SYSTEM:Aborted",
        operation: "read",
        recoverable: true,
      });
    });

    if (target.readOnly) {
      await t.step("writes, uploads and listings are refused as USER errors", async () => {
        const uri = joinUri(await target.prefix(), "w.bin");
        for (
          const [operation, promise] of [
            ["write", storage.write(uri, pattern(1))],
            ["upload", storage.upload(`${local}/any`, uri)],
            ["list", storage.list(uri)],
          ] as const
        ) {
          const error = await assertRejects(() => promise, StorageError);
          assertEquals([error.origin, error.recoverable, error.operation], [
            "user",
            false,
            operation,
          ]);
        }
      });
      return;
    }

    await t.step("write replaces an object", async () => {
      const uri = joinUri(await target.prefix(), "replace.txt");
      await storage.write(uri, pattern(1000));
      await storage.write(uri, pattern(3, 1));
      assertEquals(await storage.read(uri), pattern(3, 1));
    });

    await t.step("upload sends a local file byte for byte", async () => {
      const uri = joinUri(await target.prefix(), "up/loaded.bin");
      const path = `${local}/upload.bin`;
      await Deno.writeFile(path, pattern(123_457, 3));
      await storage.upload(path, uri);
      assertEquals(await storage.read(uri), pattern(123_457, 3));
    });

    await t.step("upload of a missing local file is a USER:NotFound error", async () => {
      const uri = joinUri(await target.prefix(), "up/never.bin");
      const error = await assertStorageError(storage.upload(`${local}/does-not-exist`, uri), {
        code: "USER:NotFound",
        operation: "upload",
      });
      assertStringIncludes(error.message, `cannot read local file "${local}/does-not-exist"`);
      assertEquals(await storage.exists(uri), false);
    });

    await t.step("list is recursive and stops at the folder boundary", async () => {
      const prefix = await target.prefix();
      const names = ["d/a.txt", "d/sub/b.txt", "d/sub/deeper/c.txt", "d2/not-me.txt", "dx"];
      for (const name of names) await storage.write(joinUri(prefix, name), pattern(4));
      const listed = (await storage.list(joinUri(prefix, "d"))).map((uri) =>
        uri.slice(uri.indexOf("/d/") + 1)
      ).sort();
      assertEquals(listed, ["d/a.txt", "d/sub/b.txt", "d/sub/deeper/c.txt"]);
      assertEquals(
        await storage.list(joinUri(prefix, "d/")),
        await storage.list(joinUri(prefix, "d")),
      );
      assertEquals(await storage.list(joinUri(prefix, "nothing")), []);
    });

    await t.step("uploadDir and downloadDir round-trip a tree", async () => {
      const prefix = joinUri(await target.prefix(), "tree");
      const src = `${local}/tree-src`;
      const files: Record<string, Uint8Array> = {};
      for (let i = 0; i < 25; i++) {
        files[`level${i % 3}/sub${i % 2}/f${i}.bin`] = pattern(i * 97, i);
      }
      files["top.txt"] = new TextEncoder().encode("top");
      for (const [rel, data] of Object.entries(files)) {
        await Deno.mkdir(`${src}/${rel}`.replace(/\/[^/]+$/, ""), { recursive: true });
        await Deno.writeFile(`${src}/${rel}`, data);
      }
      await storage.uploadDir(src, prefix);
      const dest = `${local}/tree-dest`;
      await storage.downloadDir(prefix, dest);
      for (const [rel, data] of Object.entries(files)) {
        assertEquals(await Deno.readFile(`${dest}/${rel}`), data, rel);
      }
      assertEquals((await storage.list(prefix)).length, Object.keys(files).length);
    });
  }
}
