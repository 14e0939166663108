// Crash consistency, short seeded runs (tools/crash.ts runs the long ones): the program killed
// with SIGKILL at random delays over a result of several row groups; after each kill outputs.pb is
// absent or whole, nothing partial sits under a final name, and a rerun of the attempt succeeds.
import { removing } from "../_testing/temp.ts";
import { assert, assertEquals } from "@std/assert";
import { type CrashReport, crashRuns, partialObjects } from "../_testing/crash.ts";
import { createStorage } from "../storage/mod.ts";
import { FIXTURE_DIR } from "../_testing/sqlite3.ts";

Deno.test("crash: the leftover check finds a parquet object cut short", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-crash-check-" });
  await using _dir = removing(dir);
  const whole = await Deno.readFile(`${FIXTURE_DIR}expected-results.parquet`);
  await Deno.writeFile(`${dir}/whole`, whole);
  await Deno.writeFile(`${dir}/cut`, whole.subarray(0, whole.length - 100));
  const found = await partialObjects(
    createStorage(),
    [`${dir}/whole`, `${dir}/cut`],
    `${dir}/scratch.parquet`,
  );
  assertEquals(found, [`${dir}/cut`]);
});

/** No problem, every rerun whole, and at least one run really killed (not all ended first). */
function assertCrashesHeld(report: CrashReport, runs: number) {
  assertEquals(report.problems, []);
  assertEquals(report.rerunsOk, runs);
  const ended = report.left["ended before the kill"] ?? 0;
  assert(ended < runs, `no run was killed: ${JSON.stringify(report.byPoint)}`);
}

Deno.test("crash: SQLite3 on local folders, SIGKILL at random points, reruns succeed", async () => {
  assertCrashesHeld(await crashRuns({ runs: 5, seed: 16 }), 5);
});

Deno.test("crash: SQLite3 on s3rver, SIGKILL at random points, reruns succeed", async () => {
  assertCrashesHeld(await crashRuns({ runs: 4, seed: 17, s3: true }), 4);
});

Deno.test("crash: SQL executor on PostgreSQL, SIGKILL at random points, reruns succeed", async () => {
  assertCrashesHeld(await crashRuns({ runs: 4, seed: 18, executor: "sql" }), 4);
});
