// The s3:// backend against a real S3-compatible server (s3rver), with an independent client
// (Debian's python3-boto3) as a cross-check.
import { removing, tempDir } from "../_testing/temp.ts";
import { BOTO3, crossCheck } from "../_testing/tools.ts";
import { assert, assertEquals } from "@std/assert";
import { createStorage, executionMetadata, type Storage } from "../storage/mod.ts";
import { startFaultyProxy } from "../_testing/faulty_proxy.ts";
import { type S3rverHandle, startS3rver } from "../_testing/s3rver.ts";
import { pattern, storageConformance } from "../_testing/storage_conformance.ts";

const BUCKET = "flyteshim";

async function withS3(run: (s3: S3rverHandle) => Promise<void>): Promise<void> {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  await run(s3);
}

/** Calls boto3 (Debian's python3-boto3) against the server; returns its JSON answer. */
async function boto3(s3: S3rverHandle, script: string): Promise<unknown> {
  const prelude = `
import boto3, botocore.config, json, os, sys
s3 = boto3.client("s3", endpoint_url=os.environ["FLYTE_AWS_ENDPOINT"],
    aws_access_key_id=os.environ["FLYTE_AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["FLYTE_AWS_SECRET_ACCESS_KEY"], region_name="us-east-1",
    config=botocore.config.Config(s3={"addressing_style": "path"}))
`;
  const out = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", prelude + script],
    env: s3.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert(out.success, `boto3 failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Writes a file of `size` bytes by 1 MiB chunks without holding it in memory. */
async function writeBigFile(path: string, size: number): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const chunk = new Uint8Array(1024 * 1024);
  for (let at = 0, n = 0; at < size; at += chunk.length, n++) {
    chunk.set(pattern(chunk.length, n));
    await file.write(chunk.subarray(0, Math.min(chunk.length, size - at)));
  }
}

async function sameFiles(a: string, b: string): Promise<boolean> {
  using fa = await Deno.open(a);
  using fb = await Deno.open(b);
  const ba = new Uint8Array(1024 * 1024);
  const bb = new Uint8Array(1024 * 1024);
  while (true) {
    const [na, nb] = [await fa.read(ba), await fb.read(bb)];
    if (na !== nb) return false;
    if (na === null) return true;
    if (!ba.subarray(0, na).every((v, i) => v === bb[i])) return false;
  }
}

Deno.test("s3: s3 storage conforms", async (t) => {
  await withS3(async (s3) => {
    let n = 0;
    await storageConformance(t, {
      storage: createStorage({ s3: s3.config }),
      prefix: () => `s3://${BUCKET}/case${n++}`,
    });
  });
});

Deno.test(
  "s3: a 64 MiB file goes up in parts with bounded memory and comes back intact",
  async (t) => {
    await withS3(async (s3) => {
      const dir = await tempDir();
      await using _dir = removing(dir);
      const size = 64 * 1024 * 1024;
      const partSize = 5 * 1024 * 1024;
      await writeBigFile(`${dir}/big.bin`, size);
      const uri = `s3://${BUCKET}/raw/big.bin`;
      // Through the proxy, which counts requests and fails two attempts of an upload part
      // (requests: warm-up write, create, then parts).
      const proxy = startFaultyProxy(s3.port);
      proxy.fail(2, "503", { after: 4 });
      // In a child process that can force garbage collection, so live memory is what is measured.
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--v8-flags=--expose-gc",
          new URL("../_testing/storage_probe.ts", import.meta.url).pathname,
          "transfer",
          `${dir}/big.bin`,
          uri,
          `${dir}/back/big.bin`,
        ],
        env: {
          ...s3.env,
          FLYTE_AWS_ENDPOINT: proxy.endpoint,
          FLYTE_AWS_BACKOFF_SECONDS: "0.05",
          _F_P_WRITE_CHUNK_SIZE: String(partSize),
        },
        stderr: "inherit",
      }).output().finally(() => proxy.stop());
      assert(out.success, "transfer probe failed");
      const figures = JSON.parse(new TextDecoder().decode(out.stdout));
      assertEquals(figures.progress, size);
      // Bounded by the parts in flight, not the object: two 5 MiB parts, the part being filled and
      // the HTTP layer's copies (about 33 MiB measured), against a 64 MiB object.
      const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
      assert(figures.uploadPeak < 40 * 2 ** 20, `upload held ${mib(figures.uploadPeak)}`);
      assert(figures.downloadPeak < 16 * 2 ** 20, `download held ${mib(figures.downloadPeak)}`);
      // Multipart: create + 13 parts (2 of them retried) + complete, after the warm-up write.
      const parts = Math.ceil(size / partSize);
      assertEquals(proxy.pending, 0);
      assert(proxy.requests >= 1 + 1 + parts + 2 + 1, `only ${proxy.requests} requests`);
      assert(await sameFiles(`${dir}/big.bin`, `${dir}/back/big.bin`), "downloaded bytes differ");
      await t.step({
        ...crossCheck(
          "boto3 sees an object of the exact size, with the execution metadata",
          BOTO3,
        ),
        fn: async () => {
          const head = await boto3(
            s3,
            `h = s3.head_object(Bucket="${BUCKET}", Key="raw/big.bin")\nprint(json.dumps({"size": h["ContentLength"], "meta": h["Metadata"]}))`,
          ) as { size: number; meta: Record<string, string> };
          assertEquals(head.size, size);
          assertEquals(head.meta, {
            "flyte-execution-project": "p",
            "flyte-execution-domain": "development",
            "flyte-execution-name": "abc",
          });
        },
      });
    });
  },
);

Deno.test(
  "s3: a folder of many files round-trips through paginated listings",
  async (t) => {
    await withS3(async (s3) => {
      const dir = await tempDir();
      await using _dir = removing(dir);
      const count = 240;
      for (let i = 0; i < count; i++) {
        await Deno.mkdir(`${dir}/src/g${i % 7}`, { recursive: true });
        await Deno.writeFile(`${dir}/src/g${i % 7}/f${i}.bin`, pattern(i * 13, i));
      }
      // 25 keys per page: the listing must follow continuation tokens to see them all.
      const storage = createStorage({ s3: { ...s3.config, listPageSize: 25 }, concurrency: 8 });
      await storage.uploadDir(`${dir}/src`, `s3://${BUCKET}/multi`);
      const listed = await storage.list(`s3://${BUCKET}/multi`);
      assertEquals(listed.length, count);
      await storage.downloadDir(`s3://${BUCKET}/multi/`, `${dir}/dest`);
      for (let i = 0; i < count; i++) {
        assertEquals(await Deno.readFile(`${dir}/dest/g${i % 7}/f${i}.bin`), pattern(i * 13, i));
      }
      await t.step({
        ...crossCheck("folder markers written by boto3 are not files", BOTO3),
        fn: async () => {
          await boto3(
            s3,
            `s3.put_object(Bucket="${BUCKET}", Key="multi/marker/", Body=b"")\nprint(1)`,
          );
          assertEquals((await storage.list(`s3://${BUCKET}/multi`)).length, count);
        },
      });
    });
  },
);

Deno.test(
  crossCheck("s3: bytes written by boto3 are read exactly, and the other way round", BOTO3),
  async () => {
    await withS3(async (s3) => {
      const storage: Storage = createStorage({
        s3: s3.config,
        metadata: executionMetadata({ project: "flytesnacks", domain: "development" }),
      });
      const data = pattern(1_100_000, 5);
      await storage.write(`s3://${BUCKET}/ours/data.bin`, data);
      const theirs = await boto3(
        s3,
        `import hashlib
o = s3.get_object(Bucket="${BUCKET}", Key="ours/data.bin")
body = o["Body"].read()
s3.put_object(Bucket="${BUCKET}", Key="theirs/data.bin", Body=bytes((i * 7 + 3) % 256 for i in range(300000)))
print(json.dumps({"size": len(body), "sha": hashlib.sha256(body).hexdigest(), "meta": o["Metadata"]}))`,
      ) as { size: number; sha: string; meta: Record<string, string> };
      const sha = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", data)))
        .map((b) => b.toString(16).padStart(2, "0")).join("");
      // Exact bytes: no aws-chunked framing stored with the object.
      assertEquals([theirs.size, theirs.sha], [data.length, sha]);
      assertEquals(theirs.meta, {
        "flyte-execution-project": "flytesnacks",
        "flyte-execution-domain": "development",
      });
      const back = await storage.read(`s3://${BUCKET}/theirs/data.bin`);
      assertEquals(back, Uint8Array.from({ length: 300000 }, (_, i) => (i * 7 + 3) % 256));
      assertEquals(await storage.exists(`s3://${BUCKET}/theirs`), true);
    });
  },
);

Deno.test("s3: settings come from FLYTE_AWS_* when no config is given", async () => {
  await withS3(async (s3) => {
    const saved = Object.fromEntries(Object.keys(s3.env).map((k) => [k, Deno.env.get(k)]));
    for (const [k, v] of Object.entries(s3.env)) Deno.env.set(k, v);
    try {
      const storage = createStorage();
      await storage.write(`s3://${BUCKET}/env/x`, pattern(10));
      assertEquals(await storage.read(`s3://${BUCKET}/env/x`), pattern(10));
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) Deno.env.delete(k);
        else Deno.env.set(k, v);
      }
    }
  });
});
