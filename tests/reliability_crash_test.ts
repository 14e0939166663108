// Crash consistency, short seeded runs (tools/crash.ts runs the long ones): the program killed
// with SIGKILL at random delays over a result of several row groups; after each kill outputs.pb is
// absent or whole, nothing partial sits under a final name, and a rerun of the attempt succeeds.
import { assertEquals } from "@std/assert";
import { crashRuns } from "./_crash.ts";

Deno.test("crash: SQLite3 on local folders, SIGKILL at random points, reruns succeed", async () => {
  const report = await crashRuns({ runs: 5, seed: 16 });
  assertEquals(report.problems, []);
  assertEquals(report.rerunsOk, 5);
});

Deno.test("crash: SQLite3 on s3rver, SIGKILL at random points, reruns succeed", async () => {
  const report = await crashRuns({ runs: 4, seed: 17, s3: true });
  assertEquals(report.problems, []);
  assertEquals(report.rerunsOk, 4);
});

Deno.test("crash: SQL executor on PostgreSQL, SIGKILL at random points, reruns succeed", async () => {
  const report = await crashRuns({ runs: 4, seed: 18, executor: "sql" });
  assertEquals(report.problems, []);
  assertEquals(report.rerunsOk, 4);
});
