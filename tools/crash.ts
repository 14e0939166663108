// Crash consistency (_testing/crash.ts): SIGKILL at random delays, then checks and a rerun.
//
//   deno run -A tools/crash.ts --seed 16 --runs 500 [--s3] [--executor sqlite3|sql]
import { crashRuns } from "../_testing/crash.ts";
import { toolArgs } from "./_args.ts";

// --max-delay 0 (the default): up to a little longer than a whole run.
const args = toolArgs({ seed: 16, runs: 500, s3: false, executor: "sqlite3", "max-delay": 0 });
const started = performance.now();
const report = await crashRuns({
  runs: args.runs,
  seed: args.seed,
  s3: args.s3,
  executor: args.executor as "sqlite3" | "sql",
  maxDelayMs: args["max-delay"] || undefined,
});
console.log(
  JSON.stringify({ ...report, seconds: Math.round((performance.now() - started) / 1000) }, null, 1),
);
Deno.exit(report.problems.length ? 1 : 0);
