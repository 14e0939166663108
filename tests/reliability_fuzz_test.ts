// Fuzzing: valid task.pb and inputs.pb bytes, mutated thousands of times (seeded, bounded in count
// and in time), run through the library (`runExecute`: decode, resolve, convert, dispatch, error
// documents) in process, and a smaller number through the real program in a subprocess.
// Invariant: every run ends in exit code 0 with exactly one of a decodable outputs.pb that fits
// the interface or a classified error document; never an uncaught exception, never
// SYSTEM:Unknown (an unexpected internal failure), never a run longer than its bound.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch } from "@std/assert";
import { parseExecuteArgs } from "../entrypoint/args.ts";
import { NULL_LOGGER } from "../entrypoint/dispatch.ts";
import { runExecute } from "../entrypoint/execute.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { createExecutorRegistry } from "../executors/mod.ts";
import {
  decodeErrorDocument,
  decodeLiteralMap,
  decodeTaskTemplate,
  encodeLiteralMap,
  encodeTaskTemplate,
  type TaskTemplate,
} from "../idl/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { literalMapToValues } from "../types/mod.ts";
import { TEST_EXECUTORS } from "../_testing/executors.ts";
import { type FuzzCase, mutate, Prng } from "../_testing/fuzz.ts";
import { flytekitContainerArgs } from "../_testing/propeller.ts";
import { echoSeeds, folderArgs, runWithBytes } from "../_testing/reliability.ts";
import { makeDatabase, sqliteTemplate } from "../_testing/sqlite3.ts";

const SEED = Number(Deno.env.get("FLYTESHIM_FUZZ_SEED") ?? 20261128);
const IN_PROCESS_CASES = Number(Deno.env.get("FLYTESHIM_FUZZ_CASES") ?? 5000);
const IN_PROCESS_MS = 30_000;
const SUBPROCESS_CASES = 30;
const SUBPROCESS_MS = 40_000;
/** The most one in-process run may take. */
const CASE_BOUND_MS = 5_000;

const SQLITE_EXECUTOR = "flytekit.extras.sqlite3.task.SQLite3TaskExecutor";
const registry = createExecutorRegistry([...BUILTIN_EXECUTORS, ...TEST_EXECUTORS]);

interface Seed {
  name: string;
  executor: string;
  task: Uint8Array;
  inputs: Uint8Array;
}

async function seeds(): Promise<Seed[]> {
  const echo = await echoSeeds();
  const db = await makeDatabase(
    "create table t(id integer primary key, name text, score real);" +
      "insert into t values (1, 'ann', 1.5), (2, 'bob', null), (3, 'o''hara', -2);",
  );
  const sqlite: TaskTemplate = {
    ...sqliteTemplate({
      query_template:
        "select id, name, score from t where id <= {{ .inputs.limit }} and name like '%{{ .inputs.pat }}%'",
      uri: db,
      compressed: false,
    }, { inputs: { limit: Types.integer.literalType, pat: Types.string.literalType } }),
    id: { resourceType: 1, project: "p", domain: "d", name: "sqlite_fuzz", version: "v1" },
    container: { image: "x", args: flytekitContainerArgs(SQLITE_EXECUTOR) },
  };
  const sqliteInputs = await valuesToLiteralMap({ limit: 2n, pat: "b" }, {
    limit: Types.integer,
    pat: Types.string,
  });
  return [
    { name: "echo", executor: "tests.echo", ...echo },
    {
      name: "sqlite",
      executor: SQLITE_EXECUTOR,
      task: encodeTaskTemplate(sqlite),
      inputs: encodeLiteralMap(sqliteInputs),
    },
  ];
}

/** What one case ended in. */
type Outcome = { kind: "outputs" } | { kind: "error"; code: string };

/** Checks the invariant on what a run left in `out`. */
async function checkResult(out: string, code: number, task: Uint8Array): Promise<Outcome> {
  assertEquals(code, 0, "exit code");
  const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  if (files.includes("outputs.pb")) {
    assertEquals(files, ["outputs.pb"], "outputs.pb next to an error document");
    const outputs = decodeLiteralMap(await Deno.readFile(`${out}/outputs.pb`));
    // What was written fits the (possibly mutated) template's output interface.
    const template = decodeTaskTemplate(task);
    const variables = template.interface?.outputs?.variables ?? {};
    await literalMapToValues(outputs, variables);
    return { kind: "outputs" };
  }
  assertEquals(files, ["error.pb"], "neither outputs.pb nor error.pb");
  const error = decodeErrorDocument(await Deno.readFile(`${out}/error.pb`)).error!;
  assertMatch(error.code!, /^(USER|SYSTEM):[A-Za-z]+$/);
  assert(error.code !== "SYSTEM:Unknown", `unexpected internal failure: ${error.message}`);
  assert(error.message, "error document without a message");
  return { kind: "error", code: error.code! };
}

function count(tally: Map<string, number>, key: string) {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

function report(name: string, tally: Map<string, number>, cases: number, ms: number) {
  const summary = [...tally].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(" ");
  console.log(`${name}: ${cases} cases in ${Math.round(ms)} ms (seed ${SEED}): ${summary}`);
}

Deno.test("fuzz: mutated task.pb and inputs.pb in process end in outputs.pb or a classified error.pb", async () => {
  const all = await seeds();
  const root = await tempDir({ prefix: "flyteshim-fuzz-" });
  const rng = new Prng(SEED);
  const tally = new Map<string, number>();
  const started = performance.now();
  let cases = 0;
  let slowest = 0;
  try {
    while (cases < IN_PROCESS_CASES && performance.now() - started < IN_PROCESS_MS) {
      const seed = rng.pick(all);
      // Damage inputs.pb (half the cases), task.pb (a quarter) or both, 1-2 mutations each.
      const which = rng.int(4);
      const task = which < 2 ? seed.task : mutate(seed.task, rng, 2).bytes;
      const inputs = which === 2 ? seed.inputs : mutate(seed.inputs, rng, 2).bytes;
      const dir = `${root}/c`;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.mkdir(`${dir}/out`, { recursive: true });
      await Deno.writeFile(`${dir}/task.pb`, task);
      await Deno.writeFile(`${dir}/inputs.pb`, inputs);
      const args = parseExecuteArgs(folderArgs(dir, seed.executor, { raw: true }));
      const t0 = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const code = await Promise.race([
        runExecute(args, { env: {}, registry, logger: NULL_LOGGER }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`case ${cases} (${seed.name}) ran over ${CASE_BOUND_MS} ms`)),
            CASE_BOUND_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      slowest = Math.max(slowest, performance.now() - t0);
      try {
        const outcome = await checkResult(`${dir}/out`, code, task);
        count(tally, `${seed.name}:${outcome.kind === "outputs" ? "outputs" : outcome.code}`);
      } catch (error) {
        const keep = `${root}/failed-${cases}`;
        await Deno.rename(dir, keep);
        throw new Error(`case ${cases} (seed ${SEED}, ${seed.name}) kept in ${keep}`, {
          cause: error,
        });
      }
      cases++;
    }
  } finally {
    report("in process", tally, cases, performance.now() - started);
    console.log(`slowest case: ${Math.round(slowest)} ms`);
  }
  await Deno.remove(root, { recursive: true });
  // The bound is a ceiling, not the target: the run must have done real work.
  assert(cases >= Math.min(IN_PROCESS_CASES, 1000), `only ${cases} cases in ${IN_PROCESS_MS} ms`);
  // Both outcomes were reached: the mutations are neither all fatal nor all harmless.
  const keys = [...tally.keys()];
  assert(keys.some((k) => k.endsWith(":outputs")), "no case succeeded");
  assert(keys.some((k) => k.includes(":USER:")), "no case failed");
});

Deno.test("fuzz: 30 mutated cases through the real program in a subprocess", async () => {
  const all = await seeds();
  const rng = new Prng(SEED ^ 0x5eed);
  const tally = new Map<string, number>();
  const started = performance.now();
  let cases = 0;
  while (cases < SUBPROCESS_CASES && performance.now() - started < SUBPROCESS_MS) {
    const seed = all[cases % all.length];
    const task = cases % 3 === 1 ? seed.task : mutate(seed.task, rng).bytes;
    const inputs = cases % 3 === 0 ? seed.inputs : mutate(seed.inputs, rng).bytes;
    // The harness lays out the node; the damaged bytes replace task.pb and inputs.pb.
    const template = decodeTaskTemplate(seed.task);
    const run = await runWithBytes({
      template: {
        ...template,
        container: { ...template.container, args: flytekitContainerArgs(seed.executor) },
      },
      task,
      inputsBytes: inputs,
      timeoutMs: 20_000,
    });
    const what = `case ${cases} (seed ${SEED}, ${seed.name})`;
    assertEquals(run.signal, null, `${what} was killed\n${run.stderr}`);
    assertEquals(run.code, 0, `${what}\n${run.stderr}`);
    // Every log line is one JSON object.
    for (const line of (run.stdout + run.stderr).split("\n").filter(Boolean)) JSON.parse(line);
    if (run.outputs) {
      assertEquals(run.files, ["outputs.pb"], what);
      count(tally, `${seed.name}:outputs`);
    } else {
      assert(run.error, `${what}: no error document; files ${run.files}\n${run.stderr}`);
      assert(run.error.code !== "SYSTEM:Unknown", `${what}: ${run.error.message}`);
      assertEquals(run.files.includes("outputs.pb"), false);
      count(tally, `${seed.name}:${run.error.code}`);
    }
    cases++;
  }
  report("subprocess", tally, cases, performance.now() - started);
  // The time bound is a ceiling for busy CI machines (--parallel); here all 30 run in ~2 s.
  assert(cases >= 10, `only ${cases} subprocess cases in ${SUBPROCESS_MS} ms`);
});

Deno.test("fuzz: the mutators are deterministic for a seed", () => {
  const input = new Uint8Array(64).map((_, i) => i);
  const a = Array.from({ length: 50 }, (_, i): FuzzCase => ({
    index: i,
    ...mutate(input, new Prng(i)),
  }));
  const b = Array.from({ length: 50 }, (_, i) => mutate(input, new Prng(i)));
  assertEquals(a.map((c) => c.bytes), b.map((c) => c.bytes));
  assert(a.some((c) => c.bytes.length !== input.length));
});

const ARCHIVE_CASES = 2000;
const ARCHIVE_MS = 20_000;

Deno.test("fuzz: mutated zip, tar and tar.gz archives unpack inside the folder or are USER:BadArchive", async () => {
  const { extractSingleFile } = await import("../executors/sqlite3/archive.ts");
  const { tar, tarGz, zip } = await import("../_testing/archives.ts");
  const data = new Uint8Array(3000).map((_, i) => (i * 7) & 0xff);
  const seedsByFormat = [
    await zip([{ name: "db/a.db", data, deflate: true }]),
    await zip([{ name: "a.db", data }]),
    tar([{ name: "folder/", type: "5" }, { name: "folder/a.db", data }]),
    await tarGz([{ name: "a.db", data }]),
  ];
  const root = await tempDir({ prefix: "flyteshim-fuzz-archive-" });
  const rng = new Prng(SEED ^ 0xa5c1);
  const tally = new Map<string, number>();
  const started = performance.now();
  let cases = 0;
  while (cases < ARCHIVE_CASES && performance.now() - started < ARCHIVE_MS) {
    const { bytes } = mutate(rng.pick(seedsByFormat), rng, 2);
    const dir = `${root}/c${cases % 4}`;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(dir);
    await Deno.writeFile(`${dir}/archive`, bytes);
    try {
      const path = await extractSingleFile(`${dir}/archive`, `${dir}/out`, {
        maxBytes: 64 * 1024,
        maxMembers: 100,
      });
      const real = await Deno.realPath(path);
      assert(real.startsWith(`${await Deno.realPath(dir)}/out/`), `case ${cases}: ${real}`);
      assert((await Deno.lstat(path)).isFile, `case ${cases}: not a plain file`);
      count(tally, "unpacked");
    } catch (error) {
      const { UserError } = await import("../errors.ts");
      if (!(error instanceof UserError) || error.code !== "USER:BadArchive") {
        throw new Error(`case ${cases} (seed ${SEED}): ${error}`, { cause: error });
      }
      count(tally, "USER:BadArchive");
    }
    // Nothing next to the archive but the archive and the target folder.
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== "out");
    assertEquals(names, ["archive"], `case ${cases}`);
    cases++;
  }
  report("archives", tally, cases, performance.now() - started);
  await Deno.remove(root, { recursive: true });
  assert(cases >= Math.min(ARCHIVE_CASES, 500), `only ${cases} cases`);
});

const TEMPLATE_CASES = 50_000;
const TEMPLATE_MS = 10_000;

Deno.test("fuzz: query templates and hostile inputs render or are refused as USER errors", async () => {
  const { renderQuery } = await import("../executors/query_template.ts");
  const { FlyteshimError } = await import("../errors.ts");
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const templates = [
    "select * from t where a = {{ .inputs.x }} and b like '%{{ .inputs.y }}%'",
    'select "{{ .inputs.x }}", [{{.inputs.y}}] from {{ .inputs.x }} -- {{ .inputs.y }}\n',
    "select $q${{ .inputs.x }}$q$, E'{{ .inputs.y }}' /* {{ .inputs.x }} */ limit {{ .inputs.y }}",
    "select `{{ .inputs.x }}` from t where c in ({{ .inputs.x }}, {{ .inputs.y }}) # x",
  ].map((t) => enc.encode(t));
  const values = [
    "'",
    "''",
    "\\",
    "\\'",
    '"',
    "`",
    "]",
    "$q$",
    "--",
    "/*",
    "*/",
    "\n",
    "\u0000",
    "{{",
    "ok_name",
  ];
  const rng = new Prng(SEED ^ 0x7e3);
  const tally = new Map<string, number>();
  const started = performance.now();
  let cases = 0;
  while (cases < TEMPLATE_CASES && performance.now() - started < TEMPLATE_MS) {
    const template = dec.decode(mutate(rng.pick(templates), rng, 2).bytes);
    const value = (): unknown => {
      const kind = rng.int(6);
      if (kind === 0) return BigInt(rng.int(1000) - 500);
      if (kind === 1) return rng.next() * 100;
      // Lists (empty, flat, nested) and maps: IN list items, or USER:InvalidInput.
      if (kind === 4) return Array.from({ length: rng.int(3) }, () => rng.pick(values));
      if (kind === 5) return rng.int(2) ? [[rng.pick(values)]] : { k: rng.pick(values) };
      return Array.from({ length: 1 + rng.int(4) }, () => rng.pick(values)).join("");
    };
    const dialect = rng.pick(["sqlite", "postgres", "mysql"] as const);
    try {
      const query = renderQuery(template, { x: value(), y: value() }, { dialect });
      assert(typeof query.sql === "string");
      count(tally, "rendered");
    } catch (error) {
      if (!(error instanceof FlyteshimError) || error.origin !== "user") {
        throw new Error(`case ${cases} (seed ${SEED}, ${dialect}): ${JSON.stringify(template)}`, {
          cause: error,
        });
      }
      count(tally, error.code);
    }
    cases++;
  }
  report("templates", tally, cases, performance.now() - started);
  assert(cases >= 1000, `only ${cases} cases`);
});

const DB_CASES = 3000;
const DB_MS = 20_000;

Deno.test("fuzz: damaged SQLite database files end in rows or USER:SqlError, never a crash", async () => {
  const { createSqlite3Executor } = await import("../executors/sqlite3/mod.ts");
  const { FlyteshimError } = await import("../errors.ts");
  const { makeContext } = await import("../_testing/sqlite3.ts");
  const db = await Deno.readFile(
    await makeDatabase(
      `create table t(id integer primary key, name text, score real);
       create index t_name on t(name);
       with recursive c(x) as (select 1 union all select x + 1 from c where x < 300)
       insert into t select x, 'name-' || x, x / 7.0 from c;`,
    ),
  );
  const executor = createSqlite3Executor({ worker: false });
  const rng = new Prng(SEED ^ 0xdb);
  const root = await tempDir({ prefix: "flyteshim-fuzz-db-" });
  const tally = new Map<string, number>();
  const started = performance.now();
  let cases = 0;
  while (cases < DB_CASES && performance.now() - started < DB_MS) {
    // Damage a few bytes anywhere: header, b-tree pages, index, free space.
    const bytes = db.slice();
    for (let i = 0, n = 1 + rng.int(16); i < n; i++) bytes[rng.int(bytes.length)] = rng.int(256);
    const path = `${root}/db${cases % 8}.sqlite`;
    await Deno.writeFile(path, bytes);
    const custom = {
      query_template: rng.pick([
        "select * from t",
        "select name, count(*) from t group by name order by 2 desc",
        "select * from t where name like 'name-1%' order by score",
      ]),
      uri: path,
      compressed: false,
    };
    const template = sqliteTemplate(custom);
    const context = await makeContext(template);
    try {
      await executor.execute(executor.parseConfig(custom, template), {}, context);
      count(tally, "rows");
    } catch (error) {
      if (!(error instanceof FlyteshimError) || error.code !== "USER:SqlError") {
        throw new Error(`case ${cases} (seed ${SEED})`, { cause: error });
      }
      count(tally, error.code);
    } finally {
      await Deno.remove(context.workDir, { recursive: true }).catch(() => {});
    }
    cases++;
  }
  report("databases", tally, cases, performance.now() - started);
  await Deno.remove(root, { recursive: true });
  assert(cases >= 50, `only ${cases} cases`);
});

Deno.test("fuzz: hostile environment values end in outputs.pb or USER:InvalidEnvironment", async () => {
  const echo = await echoSeeds();
  const names = [
    "FLYTE_ATTEMPT_NUMBER",
    "_F_L_MIN_SIZE_MB",
    "_F_L_MAX_SIZE_MB",
    "BATCH_JOB_ARRAY_INDEX_OFFSET",
    "FLYTE_FAIL_ON_ERROR",
    "FLYTESHIM_LOG_LEVEL",
    "_F_DES",
    "_F_WN",
    "FLYTE_SECRETS_ENV_PREFIX",
    "FLYTE_SECRETS_DEFAULT_DIR",
    "FLYTE_INTERNAL_EXECUTION_ID",
  ];
  const values = [
    "",
    " ",
    "abc",
    "-1",
    "0",
    "1e309",
    "NaN",
    "0x10",
    " 5 ",
    "99999999999999999999",
    "\u0000",
    "../../x",
    "é",
  ];
  const dir = await tempDir({ prefix: "flyteshim-fuzz-env-" });
  await Deno.writeFile(`${dir}/task.pb`, echo.task);
  await Deno.writeFile(`${dir}/inputs.pb`, echo.inputs);
  const tally = new Map<string, number>();
  let cases = 0;
  for (const name of names) {
    for (const value of values) {
      await Deno.remove(`${dir}/out`, { recursive: true }).catch(() => {});
      await Deno.mkdir(`${dir}/out`);
      const code = await runExecute(
        parseExecuteArgs(folderArgs(dir, "tests.echo")),
        { env: { [name]: value }, registry, logger: NULL_LOGGER },
      );
      const what = `${name}=${JSON.stringify(value)}`;
      assert(code === 0 || (code === 1 && name === "FLYTE_FAIL_ON_ERROR"), `${what}: exit ${code}`);
      const files = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).filter((n) =>
        n !== "raw"
      );
      if (files.includes("outputs.pb")) {
        // With offloading enabled (min 0 MB), offloaded literals sit next to outputs.pb.
        assert(
          files.every((f) => f === "outputs.pb" || f.endsWith("_offloaded_metadata.pb")),
          what,
        );
        count(tally, "outputs");
      } else {
        assertEquals(files.length, 1, `${what}: ${files}`);
        assertMatch(files[0], /^error(-[0-9a-f]{32})?\.pb$/, what);
        const error = decodeErrorDocument(await Deno.readFile(`${dir}/out/${files[0]}`)).error!;
        assert(error.code !== "SYSTEM:Unknown", `${what}: ${error.message}`);
        count(tally, error.code!);
      }
      cases++;
    }
  }
  report("environment", tally, cases, 0);
  await Deno.remove(dir, { recursive: true });
});
