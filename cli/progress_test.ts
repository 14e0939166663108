import { tempDir } from "../_testing/temp.ts";
import { assertEquals, assertStringIncludes } from "@std/assert";
import { createStorage } from "../storage/mod.ts";
import { progressReporter, withProgress } from "./progress.ts";

const MiB = 1024 * 1024;

function clock() {
  let now = 0;
  return { now: () => now, tick: (ms: number) => now += ms };
}

Deno.test("progressReporter() start, each quarter, the end; small downloads stay quiet", () => {
  const lines: string[] = [];
  const c = clock();
  const r = progressReporter("s3://b/db/chinook.db", {
    write: (t) => lines.push(t),
    tty: false,
    now: c.now,
  });
  for (let i = 0; i <= 8; i++) {
    c.tick(500);
    r.update(i * 2 * MiB, 16 * MiB);
  }
  r.done();
  assertEquals(lines, [
    "Downloading s3://b/db/chinook.db: 0 B of 16.0 MiB (0%)\n",
    "Downloading s3://b/db/chinook.db: 4.0 MiB of 16.0 MiB (25%)\n",
    "Downloading s3://b/db/chinook.db: 8.0 MiB of 16.0 MiB (50%)\n",
    "Downloading s3://b/db/chinook.db: 12.0 MiB of 16.0 MiB (75%)\n",
    "Downloading s3://b/db/chinook.db: 16.0 MiB of 16.0 MiB (100%)\n",
    "Downloaded s3://b/db/chinook.db: 16.0 MiB in 4.5 s\n",
  ]);
  const quiet: string[] = [];
  const small = progressReporter("x", { write: (t) => quiet.push(t), tty: false });
  small.update(10, 10);
  small.done();
  assertEquals(quiet, []);
});

Deno.test("progressReporter() a terminal gets one bar redrawn in place, at most ten times a second", () => {
  const out: string[] = [];
  const c = clock();
  const r = progressReporter("https://host/chinook.zip", {
    write: (t) => out.push(t),
    tty: true,
    now: c.now,
    columns: 80,
  });
  r.update(MiB, 4 * MiB);
  c.tick(10);
  r.update(2 * MiB, 4 * MiB); // too soon: not drawn
  c.tick(200);
  r.update(3 * MiB, 4 * MiB);
  c.tick(790);
  r.done();
  assertEquals(out.length, 4);
  assertEquals(out.every((t, i) => i === 3 || t.startsWith("\r\x1b[2K")), true);
  assertStringIncludes(out[0], " 25% 1.0 MiB / 4.0 MiB");
  assertStringIncludes(out[1], "[###");
  assertStringIncludes(out[2], "chinook.zip");
  assertEquals(out[3], " in 1.0 s\n");
  // Unknown size: bytes only.
  const unknown: string[] = [];
  const u = progressReporter("https://host/x", { write: (t) => unknown.push(t), tty: true });
  u.update(2 * MiB, undefined);
  assertStringIncludes(unknown[0], "2.0 MiB");
});

Deno.test("withProgress() a wrapped storage reports the downloads an executor makes, and keeps its own callback", async () => {
  const dir = await tempDir();
  await Deno.writeFile(`${dir}/big.db`, new Uint8Array(3 * MiB));
  const lines: string[] = [];
  let seen = 0;
  const storage = withProgress(createStorage(), { write: (t) => lines.push(t), tty: false });
  await storage.download(`${dir}/big.db`, `${dir}/copy.db`, { onProgress: (r) => seen = r });
  assertEquals(seen, 3 * MiB);
  assertStringIncludes(lines.join(""), "Downloaded ");
  assertEquals((await Deno.stat(`${dir}/copy.db`)).size, 3 * MiB);
});
