// Crash consistency (tests/_crash.ts): SIGKILL at random delays, then checks and a rerun.
//
//   deno run -A tools/crash.ts --seed 16 --runs 500 [--s3] [--executor sqlite3|sql]
import { parseArgs } from "node:util";
import { crashRuns } from "../tests/_crash.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seed: { type: "string", default: "16" },
    runs: { type: "string", default: "500" },
    s3: { type: "boolean", default: false },
    executor: { type: "string", default: "sqlite3" },
    "max-delay": { type: "string" },
  },
});
const started = performance.now();
const report = await crashRuns({
  runs: Number(values.runs),
  seed: Number(values.seed),
  s3: values.s3,
  executor: values.executor as "sqlite3" | "sql",
  maxDelayMs: values["max-delay"] ? Number(values["max-delay"]) : undefined,
});
console.log(
  JSON.stringify({ ...report, seconds: Math.round((performance.now() - started) / 1000) }, null, 1),
);
Deno.exit(report.problems.length ? 1 : 0);
