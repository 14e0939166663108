// The gs:// backend against firebase-tools' Cloud Storage emulator (the GCS JSON API): the
// conformance suite, 20 MiB files, paged listings, metadata, folder copies and faults through a
// misbehaving proxy.
import { removing } from "../_testing/temp.ts";
import { assertEquals, assertStringIncludes } from "@std/assert";
import { createStorage, executionMetadata } from "../storage/mod.ts";
import { type Fault, startFaultyProxy } from "../_testing/faulty_proxy.ts";
import { startGcsEmulator } from "../_testing/gcs_emulator.ts";
import {
  assertStorageError,
  pattern,
  storageConformance,
} from "../_testing/storage_conformance.ts";

Deno.test("gcs: gs storage conforms", async (t) => {
  await using gcs = await startGcsEmulator();
  let n = 0;
  await storageConformance(t, {
    storage: createStorage({ env: gcs.env }),
    prefix: () => `gs://flyte/conformance/${n++}`,
  });
});

Deno.test("gcs: 20 MiB resumable, pages, metadata, folders and faults", async (t) => {
  await using gcs = await startGcsEmulator();
  const local = await Deno.makeTempDir({ prefix: "gcs-" });
  await using _local = removing(local);
  await t.step("a 20 MiB file goes up in one streamed resumable upload", async () => {
    const data = pattern(20 * 1024 * 1024, 9);
    await Deno.writeFile(`${local}/big.bin`, data);
    const storage = createStorage({ gcs: gcs.config });
    await storage.upload(`${local}/big.bin`, "gs://flyte/big/data.bin");
    await storage.download("gs://flyte/big/data.bin", `${local}/big-back.bin`);
    assertEquals(await Deno.readFile(`${local}/big-back.bin`), data);
  });

  await t.step("listings follow page tokens", async () => {
    const storage = createStorage({ gcs: { ...gcs.config, listPageSize: 2 } });
    for (let i = 0; i < 7; i++) await storage.write(`gs://flyte/pages/${i}.txt`, pattern(i));
    assertEquals(
      (await storage.list("gs://flyte/pages")).sort(),
      Array.from({ length: 7 }, (_, i) => `gs://flyte/pages/${i}.txt`),
    );
  });

  await t.step("execution metadata and content type are stored as on S3", async () => {
    const storage = createStorage({
      gcs: gcs.config,
      metadata: executionMetadata({ project: "flytesnacks", domain: "development" }),
    });
    await storage.write("gs://flyte/meta/a.pb", pattern(3), { contentType: "text/plain" });
    const res = await fetch(
      `${gcs.endpoint}/storage/v1/b/flyte/o/${encodeURIComponent("meta/a.pb")}`,
    );
    const resource = await res.json();
    assertEquals(resource.metadata, {
      "flyte-execution-project": "flytesnacks",
      "flyte-execution-domain": "development",
    });
    assertEquals(resource.contentType, "text/plain");
  });

  await t.step(
    "a folder copies between gs:// and local files, placeholders skipped",
    async () => {
      const storage = createStorage({ gcs: gcs.config });
      await storage.write("gs://flyte/tree/", new Uint8Array()); // a console-made folder object
      await storage.write("gs://flyte/tree/a/b.txt", pattern(4));
      await storage.write("gs://flyte/tree/c.txt", pattern(5));
      await storage.downloadDir("gs://flyte/tree", `${local}/tree`);
      await storage.uploadDir(`${local}/tree`, "gs://flyte/tree-copy");
      assertEquals((await storage.list("gs://flyte/tree-copy")).sort(), [
        "gs://flyte/tree-copy/a/b.txt",
        "gs://flyte/tree-copy/c.txt",
      ]);
    },
  );

  await t.step(
    "503, 500, resets and cut bodies are retried; lasting ones are SYSTEM",
    async () => {
      await using proxy = startFaultyProxy(gcs.port);
      const storage = createStorage({
        gcs: { ...gcs.config, endpoint: proxy.endpoint, retries: 3, backoffSeconds: 0.01 },
      });
      await storage.write("gs://flyte/f/data.bin", pattern(300_000));
      for (const fault of ["503", "slowdown", "500", "reset", "truncate"] as Fault[]) {
        proxy.fail(2, fault);
        assertEquals(await storage.read("gs://flyte/f/data.bin"), pattern(300_000), fault);
        proxy.fail(2, fault);
        await storage.download("gs://flyte/f/data.bin", `${local}/${fault}.bin`);
        assertEquals(await Deno.readFile(`${local}/${fault}.bin`), pattern(300_000), fault);
        if (fault !== "truncate") {
          proxy.fail(2, fault);
          await storage.write(`gs://flyte/f/w/${fault}`, pattern(10, 1));
          proxy.fail(2, fault);
          assertEquals(
            (await storage.list("gs://flyte/f/w")).includes(`gs://flyte/f/w/${fault}`),
            true,
          );
        }
        assertEquals(proxy.pending, 0, fault);
      }
      // A stalled request is abandoned after the timeout and retried.
      const quick = createStorage({
        gcs: { ...gcs.config, endpoint: proxy.endpoint, timeoutSeconds: 0.5 },
      });
      proxy.fail(1, "stall");
      assertEquals(await quick.read("gs://flyte/f/data.bin"), pattern(300_000));
      assertEquals(proxy.pending, 0);
      proxy.fail(10, "503");
      const error = await assertStorageError(storage.read("gs://flyte/f/data.bin"), {
        code: "SYSTEM:StorageError",
        operation: "read",
        uri: "gs://flyte/f/data.bin",
        recoverable: true,
      });
      assertStringIncludes(error.message, "HTTP 503");
      assertEquals(proxy.pending, 6);
    },
  );
});

Deno.test("gcs: an upload cut mid-way on the emulator is sent again whole", async () => {
  // The emulator finishes a session early (its status query answers 200 with what it has): the
  // stored size gives it away, and the upload starts over in a new session.
  await using gcs = await startGcsEmulator();
  await using proxy = startFaultyProxy(gcs.port);
  const local = await Deno.makeTempDir({ prefix: "gcs-cut-" });
  await using _local = removing(local);
  const data = pattern(3 * 1024 * 1024, 4);
  await Deno.writeFile(`${local}/cut.bin`, data);
  const storage = createStorage({
    gcs: {
      ...gcs.config,
      endpoint: proxy.endpoint,
      retries: 3,
      backoffSeconds: 0.01,
      simpleUploadLimit: 1024 * 1024,
    },
  });
  proxy.fail(1, "reset", { after: 1 }); // the session opens, its PUT is reset
  await storage.upload(`${local}/cut.bin`, "gs://flyte/cut/data.bin");
  // Session, reset PUT, status query (the emulator says "done" with 0 bytes), session, PUT.
  assertEquals(proxy.requests, 5);
  assertEquals(await storage.read("gs://flyte/cut/data.bin"), data);
  assertEquals(proxy.pending, 0);
});
