// Storage throughput: the s3:// backend against a local S3 server (s3rver, loopback) next to local
// files, through the same Storage interface: small objects one at a time, one 64 MiB file
// (multipart), and a folder of 200 files at the default concurrency. Rounds interleave the
// backends; reports medians and the s3/file ratio.
//
//   deno run -A bench/storage.ts [--rounds N]
import { createStorage, type Storage } from "../storage/mod.ts";
import { startS3rver } from "../_testing/s3rver.ts";
import { markdownTable, median, roundsArg } from "./_measure.ts";

const rounds = roundsArg(3);
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-storage-" });
const s3 = await startS3rver({ buckets: ["bench"] });

try {
  // Inputs: a 64 MiB file and a folder of 200 files of 4 KiB.
  const big = `${root}/big.bin`;
  {
    using file = await Deno.open(big, { write: true, create: true });
    const chunk = new Uint8Array(1024 * 1024);
    for (let i = 0; i < 64; i++) {
      chunk.fill(i);
      await file.write(chunk);
    }
  }
  for (let i = 0; i < 200; i++) {
    await Deno.mkdir(`${root}/folder/g${i % 10}`, { recursive: true });
    await Deno.writeFile(`${root}/folder/g${i % 10}/f${i}.bin`, new Uint8Array(4096).fill(i));
  }
  const small = new Uint8Array(1024).fill(7);

  const backends: { name: string; storage: Storage; prefix: string }[] = [
    { name: "file", storage: createStorage(), prefix: `${root}/store` },
    { name: "s3", storage: createStorage({ s3: s3.config }), prefix: "s3://bench/store" },
  ];
  // Loads the S3 client outside the measurements.
  await backends[1].storage.exists("s3://bench/warm");

  const cases: {
    name: string;
    unit: string;
    amount: number;
    run(b: typeof backends[0], r: number): Promise<void>;
  }[] = [
    {
      name: "100 writes then 100 reads of 1 KiB, one at a time",
      unit: "ops/s",
      amount: 200,
      async run({ storage, prefix }, r) {
        for (let i = 0; i < 100; i++) await storage.write(`${prefix}/small${r}/${i}`, small);
        for (let i = 0; i < 100; i++) await storage.read(`${prefix}/small${r}/${i}`);
      },
    },
    {
      name: "upload then download of a 64 MiB file",
      unit: "MiB/s",
      amount: 128,
      async run({ storage, prefix }, r) {
        await storage.upload(big, `${prefix}/big${r}.bin`);
        await storage.download(`${prefix}/big${r}.bin`, `${root}/back/big${r}.bin`);
      },
    },
    {
      name: "uploadDir then downloadDir of 200 files of 4 KiB",
      unit: "files/s",
      amount: 400,
      async run({ storage, prefix }, r) {
        await storage.uploadDir(`${root}/folder`, `${prefix}/folder${r}`);
        await storage.downloadDir(`${prefix}/folder${r}`, `${root}/back/folder${r}`);
      },
    },
  ];

  const times = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const order = round % 2 ? [...backends].reverse() : backends;
      for (const b of order) {
        const started = performance.now();
        await c.run(b, round);
        const key = `${c.name}|${b.name}`;
        times.set(key, [...(times.get(key) ?? []), performance.now() - started]);
      }
    }
  }

  console.log(
    `bench/storage.ts: ${rounds} rounds, medians (Deno ${Deno.version.deno}, s3rver on loopback)`,
  );
  console.log(markdownTable(
    ["case", "file ms", "s3 ms", "file rate", "s3 rate", "s3/file time"],
    cases.map((c) => {
      const f = median(times.get(`${c.name}|file`)!);
      const s = median(times.get(`${c.name}|s3`)!);
      const rate = (ms: number) => `${(c.amount / (ms / 1000)).toFixed(0)} ${c.unit}`;
      return [c.name, f.toFixed(0), s.toFixed(0), rate(f), rate(s), `${(s / f).toFixed(1)}x`];
    }),
    ["l", "r", "r", "r", "r", "r"],
  ));
} finally {
  await s3.stop();
  await Deno.remove(root, { recursive: true });
}
