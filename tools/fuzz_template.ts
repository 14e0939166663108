// Differential fuzzing of query templating against SQLite, PostgreSQL and MariaDB (see
// _testing/template_diff.ts). Reproducible from its seed:
//
//   deno task fuzz --seed 16 --cases 100000 [--engine sqlite|postgres|mariadb]...
//
// Prints the verdict counts per engine and every disagreement (template and hostile value), and
// exits 1 when there is one.
import {
  type Engine,
  fuzzEngine,
  mariadbEngine,
  postgresEngine,
  sqliteEngine,
} from "../_testing/template_diff.ts";
import { startPostgres } from "../_testing/postgres.ts";
import { startMariadb } from "../_testing/mariadb.ts";
import { toolArgs } from "./_args.ts";

const { seed, cases, engine: engines, max } = toolArgs({
  seed: 16,
  cases: 100000,
  engine: ["sqlite", "postgres", "mariadb"],
  max: 20,
});
let failed = 0;
for (const name of engines) {
  let stop: () => Promise<void> = () => Promise.resolve();
  let engine: Engine;
  if (name === "sqlite") engine = await sqliteEngine();
  else if (name === "postgres") {
    const pg = await startPostgres();
    stop = pg.stop;
    engine = await postgresEngine(pg.url);
  } else if (name === "mariadb") {
    const db = await startMariadb();
    stop = db.stop;
    engine = await mariadbEngine(db.url);
  } else throw new Error(`Unknown engine "${name}"`);
  const started = performance.now();
  let shown = 0;
  let found = 0;
  try {
    const tally = await fuzzEngine(engine, seed, cases, (d, i) => {
      found++;
      if (shown++ < max) console.log(`case ${i}: ${d.message}`);
    });
    const s = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${name}: seed ${seed}, ${cases} cases in ${s} s, ${found} disagreements`, tally);
  } finally {
    await engine.close();
    await stop();
  }
  failed += found;
}
Deno.exit(failed ? 1 : 0);
