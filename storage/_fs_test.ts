import { tempDir } from "../_testing/temp.ts";
import { assertEquals, assertThrows } from "@std/assert";
import { StorageError } from "../errors.ts";
import { safeJoin } from "./_fs.ts";

Deno.test("safeJoin() refuses object names that would escape the folder", async () => {
  // downloadDir joins every object name below the local folder with safeJoin; S3 keys may hold
  // `..` segments (s3rver and the SDK normalize them, so they cannot be planted end to end here).
  const dir = await tempDir();
  for (
    const rel of ["../x", "a/../../x", "/etc/passwd", "", "a/./../../x", "..", "a/b/../../../x"]
  ) {
    const error = assertThrows(() => safeJoin(dir, rel, `s3://b/d/${rel}`), StorageError);
    assertEquals([error.code, error.origin], ["USER:UnsafePath", "user"], rel);
  }
  assertEquals(safeJoin(dir, "a/b.txt", "s3://b/d/a/b.txt"), `${dir}/a/b.txt`);
  assertEquals(safeJoin(dir, "a/../b.txt", "s3://b/d/b.txt"), `${dir}/b.txt`);
});
