/**
 * Child-process probe for the lazy-loading test: runs storage operations, then prints which npm
 * CommonJS modules the process loaded (the AWS SDK is CommonJS, so every module of it that was
 * imported sits in `Module._cache`).
 *
 * `deno run -A _testing/storage_probe.ts local` exercises local paths only;
 * `deno run -A _testing/storage_probe.ts s3` also touches an `s3://` URI (the control case).
 *
 * For the memory bound of large transfers,
 * `deno run -A --v8-flags=--expose-gc _testing/storage_probe.ts transfer FILE URI BACK` uploads
 * FILE to URI and downloads it to BACK with settings from the environment (FLYTE_AWS_*),
 * collecting garbage every few milliseconds and printing the peak of live memory (heap and
 * buffers) above the start.
 *
 * @module
 */

import { tempDir } from "./temp.ts";
import Module from "node:module";
import { createStorage, executionMetadata, s3ConfigFromEnv } from "../storage/mod.ts";

async function transfer([file, uri, back]: string[]): Promise<void> {
  const gc = (globalThis as unknown as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --v8-flags=--expose-gc");
  // Two parts in flight: the bound the test checks is about two parts, not the object.
  const s3 = { ...s3ConfigFromEnv(Deno.env.toObject()), partConcurrency: 2 };
  const storage = createStorage({
    s3,
    metadata: executionMetadata({ project: "p", domain: "development", name: "abc" }),
  });
  await storage.write(`${uri}.warm`, new Uint8Array(1)); // loads the SDK before measuring
  const live = () => {
    gc();
    const m = Deno.memoryUsage();
    return m.heapUsed + m.external;
  };
  const measure = async (run: () => Promise<void>) => {
    const base = live();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, live() - base)), 10);
    try {
      await run();
    } finally {
      clearInterval(sampler);
    }
    return peak;
  };
  let progress = 0;
  const uploadPeak = await measure(() => storage.upload(file, uri));
  const downloadPeak = await measure(() =>
    storage.download(uri, back, { onProgress: (r) => (progress = r) })
  );
  console.log(JSON.stringify({ uploadPeak, downloadPeak, progress }));
}

if (import.meta.main && Deno.args[0] === "transfer") await transfer(Deno.args.slice(1));
else if (import.meta.main) {
  const started = performance.now();
  const dir = await tempDir({ prefix: "probe-" });
  // An unreachable endpoint and no retries: the control case only needs the backend loaded.
  const storage = createStorage({
    s3: { endpoint: "http://127.0.0.1:9", accessKeyId: "a", secretAccessKey: "b", retries: 0 },
  });
  await storage.write(`${dir}/in/a.txt`, new TextEncoder().encode("a"));
  await storage.read(`${dir}/in/a.txt`);
  await storage.exists(`file://${dir}/in/a.txt`);
  await storage.uploadDir(`${dir}/in`, `${dir}/out`);
  await storage.downloadDir(`${dir}/out`, `${dir}/back`);
  await storage.list(dir);
  if (Deno.args[0] === "s3") await storage.exists("s3://bucket/key").catch(() => {});
  const errors: string[] = [];
  if (Deno.args[0] === "abfs") {
    const azure = createStorage({ env: { AZURE_STORAGE_ACCOUNT_NAME: "a", AZURE_TENANT_ID: "t" } });
    await azure.exists("abfs://c/k").catch((e) => errors.push(String(e?.cause ?? e)));
  }
  if (Deno.args[0] === "gs") {
    await Deno.writeTextFile(
      `${dir}/key.json`,
      JSON.stringify({ type: "service_account", client_email: "a@b.c", private_key: "x" }),
    );
    const gcs = createStorage({ env: { GOOGLE_APPLICATION_CREDENTIALS: `${dir}/key.json` } });
    await gcs.exists("gs://bucket/key").catch((e) => errors.push(String(e?.cause ?? e)));
  }
  await Deno.remove(dir, { recursive: true });
  const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
  const modules = Object.keys(cache);
  console.log(JSON.stringify({
    ms: performance.now() - started,
    errors,
    cjsModules: modules.length,
    awsModules: modules.filter((path) => /[\\/]@(aws-sdk|smithy)[\\/+]/.test(path)).length,
  }));
}
