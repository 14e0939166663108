// Crash consistency, short seeded run (tools/crash.ts runs the long ones): the SQLite3 executor's
// program killed with SIGKILL at random delays on a result of several row groups; after each kill
// outputs.pb is absent or whole, nothing partial sits under a final name, and a rerun succeeds.
import { assertEquals } from "@std/assert";
import { crashRuns } from "./_crash.ts";

Deno.test("crash: SIGKILL at random points leaves no partial outputs and a rerun succeeds", async () => {
  const report = await crashRuns({ runs: 5, seed: 16, maxDelayMs: 1200 });
  assertEquals(report.problems, []);
  assertEquals(report.rerunsOk, 5);
});
