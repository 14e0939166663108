// Local paths and file:// URIs through the shared storage conformance suite.
import { removing, tempDir } from "../_testing/temp.ts";
import { pathToFileURL } from "node:url";
import { assertEquals } from "@std/assert";
import { createStorage } from "../storage/mod.ts";
import { assertStorageError, storageConformance } from "../_testing/storage_conformance.ts";

Deno.test("file storage: file storage (plain paths) conforms", async (t) => {
  const root = await tempDir({ prefix: "storage-file-" });
  await using _root = removing(root);
  let n = 0;
  await storageConformance(t, { storage: createStorage(), prefix: () => `${root}/case${n++}` });
});

Deno.test("file storage: file storage (file:// URIs) conforms", async (t) => {
  const root = await tempDir({ prefix: "storage-fileuri-" });
  await using _root = removing(root);
  let n = 0;
  await storageConformance(t, {
    storage: createStorage(),
    prefix: () => pathToFileURL(`${root}/case${n++}`).href,
  });
});

Deno.test("file storage: unsupported schemes fail with a USER error naming the supported ones", async () => {
  const storage = createStorage();
  for (const uri of ["ftp://host/key", "wasbs://c@a.blob.core.windows.net/k", "hdfs://nn/k"]) {
    const scheme = uri.slice(0, uri.indexOf(":"));
    const error = await assertStorageError(storage.read(uri), {
      code: "USER:UnsupportedScheme",
      operation: "read",
      uri,
      recoverable: false,
    });
    assertEquals(
      error.message,
      `Cannot read "${uri}": unsupported scheme "${scheme}://": flyteshim supports local paths, file://, s3://, gs://, abfs://, abfss://, http:// and https://`,
    );
  }
  await assertStorageError(storage.write("ftp://b/k", new Uint8Array()), {
    code: "USER:UnsupportedScheme",
    operation: "write",
  });
});
