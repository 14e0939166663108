// Soak, short versions (tools/soak.ts runs 1,000 in a row and 200 at once): runs in a row through
// task.run() and through the program leave no file descriptor, temporary entry or failure behind;
// more concurrent runs than PostgreSQL has connections end in outputs.pb or a recoverable SYSTEM
// error.pb, never a hang.
import { assert, assertEquals } from "@std/assert";
import { concurrentPostgres, inProcessSoak, subprocessSoak } from "../_testing/soak.ts";

Deno.test("soak: 40 runs in a row through task.run() leak no file descriptor", async () => {
  // Temporary entries are counted by the subprocess soak below and by tools/soak.ts: TMPDIR is
  // process-wide, and the test runner's parallel modules share it.
  const r = await inProcessSoak({ runs: 40 });
  assertEquals(r.failures, []);
  // Descriptors come and go with the runtime's own threads; a leak grows by one per run.
  assert(r.end.fds! <= r.start.fds! + 3, JSON.stringify(r));
});

Deno.test("soak: 10 runs of the program in a row leave no temporary entry", async () => {
  const r = await subprocessSoak({ runs: 10 });
  assertEquals(r.failures, []);
  assertEquals(r.end.temp, 0);
});

Deno.test("soak: 40 runs at once against a PostgreSQL of 15 connections end classified, never hang", async () => {
  const r = await concurrentPostgres(40, { maxConnections: 15, deadlineMs: 60_000 });
  assertEquals(r.bad, [], JSON.stringify(r.outcomes));
  assertEquals(r.maxConnections, 15);
  // Some ran, some were refused by the server and classified as recoverable.
  assert((r.outcomes["outputs.pb"] ?? 0) > 0, JSON.stringify(r.outcomes));
  assert(
    Object.keys(r.outcomes).some((o) => o.endsWith("RECOVERABLE SYSTEM")),
    JSON.stringify(r.outcomes),
  );
});
