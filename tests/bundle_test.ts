// The built artifact: `deno task bundle` (code-split, so lazy imports stay lazy) runs the propeller
// harness like the source does, including flytekit's fixture, on local folders and on S3.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  jsonToStruct,
  type JsonValue,
  structToJson,
  type TaskTemplate,
} from "../idl/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { readParquet } from "./_duckdb.ts";
import { denoProgram, runPropeller } from "./_propeller.ts";
import { startS3rver } from "./_s3rver.ts";
import { FIXTURE_DIR, TEMPLATE_DIR } from "./_sqlite3.ts";

const root = new URL("../", import.meta.url).pathname;
const bundleTask: string = JSON.parse(await Deno.readTextFile(`${root}deno.json`)).tasks.bundle;

/** Builds the bundle with the task's own command, into a temporary folder. */
async function buildBundle(): Promise<string> {
  const outdir = await Deno.makeTempDir({ prefix: "flyteshim-bundle-" });
  const args = bundleTask.split(/\s+/).slice(1).map((a) => a === "dist/bundle" ? outdir : a);
  const out = await new Deno.Command(Deno.execPath(), { args, cwd: root, stderr: "piped" })
    .output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return outdir;
}

const outdir = await buildBundle();
globalThis.addEventListener("unload", () => Deno.removeSync(outdir, { recursive: true }));
const program = denoProgram(`${outdir}/main.js`);

async function fixtureTemplate(custom: Record<string, JsonValue> = {}): Promise<TaskTemplate> {
  const template = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  template.custom = jsonToStruct({
    ...structToJson(template.custom),
    uri: `${FIXTURE_DIR}chinook-mini.db`,
    ...custom,
  });
  return template;
}

/** The chunks main.js loads before it runs anything (static imports, transitively). */
async function staticChunks(): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = ["main.js"];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = await Deno.readTextFile(`${outdir}/${file}`);
    for (const m of code.matchAll(/^\s*(?:import|export)\b[^;'"]*?from\s*"\.\/([^"]+)"/gm)) {
      queue.push(m[1]);
    }
    for (const m of code.matchAll(/^\s*import\s*"\.\/([^"]+)"/gm)) queue.push(m[1]);
  }
  return seen;
}

Deno.test("the bundle keeps executors, S3 and npm clients out of its start-up graph", async () => {
  const chunks = await staticChunks();
  const all = [...Deno.readDirSync(outdir)].map((e) => e.name);
  for (const lazy of ["s3-", "postgres-", "mysql", "zip-", "mod-"]) {
    assert(all.some((f) => f.startsWith(lazy)), `expected a lazily loaded ${lazy}* chunk`);
    assert(![...chunks].some((f) => f.startsWith(lazy)), `${lazy}* is loaded at start-up`);
  }
});

Deno.test("the bundled executor runs flytekit's fixture and matches expected-results.parquet", async () => {
  const inputs = decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`));
  const run = await runPropeller({ template: await fixtureTemplate(), inputs, program });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["outputs.pb"], run.error?.message ?? "");
  const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
  assertMatch(sd.uri!, new RegExp(`^${run.paths.rawOutputPrefix}/[0-9a-f]{32}$`));
  const table = await readParquet(`${sd.uri}/00000`);
  const expected = await readParquet(`${FIXTURE_DIR}expected-results.parquet`);
  assertEquals(table.columns, expected.columns);
  assertEquals(table.rows, expected.rows);
});

Deno.test("the bundled executor writes a USER error document for a bad query", async () => {
  const run = await runPropeller({
    template: await fixtureTemplate({
      query_template: "select * from trackz limit {{.inputs.limit}}",
    }),
    inputs: decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`)),
    program,
  });
  assertEquals([run.code, run.files], [0, ["error.pb"]]);
  assertEquals(run.error?.code, "USER:SqlError");
  assertStringIncludes(run.error?.message ?? "", "no such table: trackz");
});

Deno.test("the bundled executor runs with every prefix on S3 (the lazy S3 chunk loads)", async () => {
  const s3 = await startS3rver({ buckets: ["my-s3-bucket"] });
  try {
    const storage = createStorage({ s3: s3.config });
    await storage.write(
      "s3://my-s3-bucket/dbs/chinook.db",
      await Deno.readFile(`${FIXTURE_DIR}chinook-mini.db`),
    );
    const run = await runPropeller({
      template: await fixtureTemplate({ uri: "s3://my-s3-bucket/dbs/chinook.db" }),
      inputs: decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`)),
      root: "s3://my-s3-bucket/bundle",
      storage,
      env: s3.env,
      program,
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.files, ["outputs.pb"], run.error?.message ?? "");
    const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
    assert(sd.uri!.startsWith("s3://my-s3-bucket/"));
  } finally {
    await s3.stop();
  }
});

Deno.test("the bundled program describes its executors", async () => {
  const out = await new Deno.Command(program[0], { args: [...program.slice(1), "describe"] })
    .output();
  assert(out.success);
  const text = new TextDecoder().decode(out.stdout);
  assertStringIncludes(text, "flytekit.extras.sqlite3.task.SQLite3TaskExecutor");
  assertStringIncludes(text, "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor");
});
