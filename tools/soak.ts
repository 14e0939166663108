// Soak (_testing/soak.ts): runs in a row through the program and through task.run(), and concurrent
// runs against one PostgreSQL. Prints each summary (curves' start and end) as JSON.
//
//   deno run -A --v8-flags=--expose-gc tools/soak.ts --runs 1000 --concurrent 200 \
//     [--only inprocess|subprocess|postgres]
import { concurrentPostgres, inProcessSoak, subprocessSoak } from "../_testing/soak.ts";
import { toolArgs } from "./_args.ts";

const { runs, concurrent, only } = toolArgs({
  runs: 1000,
  concurrent: 200,
  only: ["inprocess", "subprocess", "postgres"],
});
let failed = false;
const progress = (name: string) => (s: { run: number; ms: number }) => {
  if (s.run % 100 === 0) console.error(`${name} ${s.run}: ${JSON.stringify(s)}`);
};
if (only.includes("inprocess")) {
  const r = await inProcessSoak({ runs, privateTmp: true, onRun: progress("inprocess") });
  console.log("in process (task.run):", JSON.stringify(r));
  failed ||= r.failures.length > 0;
}
if (only.includes("postgres")) {
  const r = await concurrentPostgres(concurrent);
  console.log("concurrent PostgreSQL:", JSON.stringify(r));
  failed ||= r.bad.length > 0;
}
if (only.includes("subprocess")) {
  const r = await subprocessSoak({ runs, onRun: progress("subprocess") });
  console.log("subprocess (propeller harness):", JSON.stringify(r));
  failed ||= r.failures.length > 0;
}
Deno.exit(failed ? 1 : 0);
