// Failure handling of the s3:// backend against a real s3rver, with a faulty loopback proxy in front:
// transient failures are retried within bounds, then become recoverable SYSTEM errors; missing
// objects and denied access are USER errors at the first answer.
import { removing, tempDir, tempFile } from "../_testing/temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { createStorage, type S3Config } from "../storage/mod.ts";
import { type Fault, type FaultyProxy, startFaultyProxy } from "../_testing/faulty_proxy.ts";
import { type S3rverHandle, startS3rver } from "../_testing/s3rver.ts";
import { assertStorageError, pattern } from "../_testing/storage_conformance.ts";

const BUCKET = "faults";

async function withProxy(
  run: (s3: S3rverHandle, proxy: FaultyProxy, config: S3Config) => Promise<void>,
): Promise<void> {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  await using proxy = startFaultyProxy(s3.port);
  await createStorage({ s3: s3.config }).write(`s3://${BUCKET}/data.bin`, pattern(300_000));
  await run(s3, proxy, { ...s3.config, endpoint: proxy.endpoint, retries: 3 });
}

Deno.test("s3: 503, SlowDown, 500, resets and cut bodies are retried, then succeed", async () => {
  await withProxy(async (_s3, proxy, config) => {
    const storage = createStorage({ s3: { ...config, backoffSeconds: 0.01 } });
    const dir = await tempDir();
    await using _dir = removing(dir);
    const faults: Fault[] = ["503", "slowdown", "500", "reset", "truncate"];
    for (const fault of faults) {
      // Each operation meets two faults, then succeeds on its third attempt.
      const twice = async <T>(op: () => Promise<T>): Promise<T> => {
        const before = proxy.requests;
        proxy.fail(2, fault);
        const result = await op();
        assertEquals([proxy.pending, proxy.requests - before], [0, 3], fault);
        return result;
      };
      assertEquals(await twice(() => storage.read(`s3://${BUCKET}/data.bin`)), pattern(300_000));
      await twice(() => storage.download(`s3://${BUCKET}/data.bin`, `${dir}/${fault}.bin`));
      assertEquals(await Deno.readFile(`${dir}/${fault}.bin`), pattern(300_000), fault);
      // Answers without a body cannot be cut: "truncate" applies to reads and listings only.
      const maybeTwice = fault === "truncate" ? <T>(op: () => Promise<T>) => op() : twice;
      await maybeTwice(() => storage.write(`s3://${BUCKET}/w/${fault}`, pattern(10, 1)));
      assertEquals(await maybeTwice(() => storage.exists(`s3://${BUCKET}/w/${fault}`)), true);
      assertEquals(
        await twice(() => storage.list(`s3://${BUCKET}/w`)),
        faults.slice(0, faults.indexOf(fault) + 1).map((f) => `s3://${BUCKET}/w/${f}`).sort(),
      );
      assertEquals(proxy.pending, 0, fault);
    }
  });
});

Deno.test("s3: a stalled request times out and is retried", async () => {
  await withProxy(async (_s3, proxy, config) => {
    const storage = createStorage({ s3: { ...config, timeoutSeconds: 0.3 } });
    proxy.fail(1, "stall");
    const started = performance.now();
    assertEquals(await storage.read(`s3://${BUCKET}/data.bin`), pattern(300_000));
    assert(performance.now() - started >= 250, "no timeout happened");
    assertEquals(proxy.pending, 0);
  });
});

Deno.test("s3: failures that outlast the retries become recoverable SYSTEM errors", async () => {
  await withProxy(async (_s3, proxy, config) => {
    const storage = createStorage({ s3: { ...config, retries: 2 } });
    proxy.fail(10, "503");
    const before = proxy.requests;
    const uri = `s3://${BUCKET}/data.bin`;
    const error = await assertStorageError(storage.read(uri), {
      code: "SYSTEM:StorageError",
      operation: "read",
      uri,
      recoverable: true,
    });
    assertStringIncludes(error.message, "HTTP 503 ServiceUnavailable");
    assertStringIncludes(error.message, "after 3 attempts");
    assertEquals(proxy.requests - before, 3, "bounded in count: 1 attempt + 2 retries");
    // A small upload (one request) fails as an upload.
    const file = await tempFile();
    try {
      await Deno.writeFile(file, pattern(100));
      await assertStorageError(storage.upload(file, `s3://${BUCKET}/small.bin`), {
        code: "SYSTEM:StorageError",
        operation: "upload",
        uri: `s3://${BUCKET}/small.bin`,
      });
    } finally {
      await Deno.remove(file);
    }
  });
});

Deno.test("s3: retrying stops at the time bound", async () => {
  await withProxy(async (_s3, proxy, config) => {
    const storage = createStorage({
      s3: { ...config, retries: 50, backoffSeconds: 0.1, maxRetrySeconds: 0.5 },
    });
    proxy.fail(50, "reset");
    const started = performance.now();
    await assertStorageError(storage.write(`s3://${BUCKET}/x`, pattern(5)), {
      code: "SYSTEM:StorageError",
      operation: "write",
    });
    const elapsed = performance.now() - started;
    assert(elapsed < 1500, `took ${elapsed} ms`);
    assert(proxy.requests < 20, `${proxy.requests} attempts`);
  });
});

Deno.test("s3: missing objects and denied access are USER errors, never retried", async () => {
  await withProxy(async (s3, proxy, config) => {
    const storage = createStorage({ s3: config });
    let before = proxy.requests;
    const missing = `s3://${BUCKET}/inputs/missing.pb`;
    const error = await assertStorageError(storage.read(missing), {
      code: "USER:NotFound",
      operation: "read",
      uri: missing,
      recoverable: false,
    });
    assertEquals(error.message, `Cannot read "${missing}": object does not exist`);
    assertEquals(proxy.requests - before, 1);

    before = proxy.requests;
    await assertStorageError(storage.read("s3://no-such-bucket/k"), {
      code: "USER:NotFound",
      operation: "read",
    });
    assertEquals(proxy.requests - before, 1);

    before = proxy.requests;
    const denied = createStorage({ s3: { ...config, accessKeyId: "NOT-S3RVER" } });
    const deniedError = await assertStorageError(denied.read(`s3://${BUCKET}/data.bin`), {
      code: "USER:AccessDenied",
      operation: "read",
      recoverable: false,
    });
    assert(!deniedError.message.includes(s3.config.secretAccessKey!), "secret in message");
    assertEquals(proxy.requests - before, 1);
  });
});

Deno.test("s3: a stopped server is a recoverable SYSTEM error", async () => {
  const s3 = await startS3rver({ buckets: [BUCKET] });
  const storage = createStorage({ s3: { ...s3.config, retries: 1, backoffSeconds: 0.01 } });
  await storage.write(`s3://${BUCKET}/k`, pattern(3));
  await s3.stop();
  const error = await assertStorageError(storage.read(`s3://${BUCKET}/k`), {
    code: "SYSTEM:StorageError",
    operation: "read",
    uri: `s3://${BUCKET}/k`,
    recoverable: true,
  });
  assertStringIncludes(error.message, "ECONNREFUSED");
});

Deno.test("s3: aborting during retries stops at once with SYSTEM:Aborted", async () => {
  await withProxy(async (_s3, proxy, config) => {
    const storage = createStorage({ s3: { ...config, retries: 20, backoffSeconds: 1 } });
    proxy.fail(20, "503");
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    await assertStorageError(
      storage.read(`s3://${BUCKET}/data.bin`, { signal: controller.signal }),
      { code: "SYSTEM:Aborted", operation: "read" },
    );
    clearTimeout(timer);
    assert(performance.now() - started < 1000, "abort did not interrupt the backoff");
  });
});

Deno.test("s3: aborting a multipart upload stops it and leaves no object", async () => {
  await withProxy(async (s3, proxy, config) => {
    const dir = await tempDir();
    await using _dir = removing(dir);
    await Deno.writeFile(`${dir}/big.bin`, pattern(12 * 1024 * 1024));
    const storage = createStorage({ s3: { ...config, partSize: 5 * 1024 * 1024 } });
    // Create goes through, then the parts hang until the abort.
    proxy.fail(6, "stall", { after: 1 });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 300);
    await assertStorageError(
      storage.upload(`${dir}/big.bin`, `s3://${BUCKET}/aborted.bin`, {
        signal: controller.signal,
      }),
      { code: "SYSTEM:Aborted", operation: "upload" },
    );
    clearTimeout(timer);
    const direct = createStorage({ s3: s3.config });
    assertEquals(await direct.exists(`s3://${BUCKET}/aborted.bin`), false);
  });
});
