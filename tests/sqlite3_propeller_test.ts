// flytekit's SQLite3Task fixture through the pyflyte-execute argument contract, run as propeller
// runs it (the real program as a subprocess), on local folders and on a real S3 server.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch } from "@std/assert";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  flyteidl,
  jsonToStruct,
  structToJson,
  type TaskTemplate,
} from "../idl/mod.ts";
import { createStorage, type Storage } from "../storage/mod.ts";
import { tarGz, zip } from "../_testing/archives.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { runPropeller } from "../_testing/propeller.ts";
import { startS3rver } from "../_testing/s3rver.ts";
import { FIXTURE_DIR, TEMPLATE_DIR } from "../_testing/sqlite3.ts";

const CHINOOK = `${FIXTURE_DIR}chinook-mini.db`;

async function fixtureTemplate(custom: Record<string, unknown> = {}): Promise<TaskTemplate> {
  const template = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  const json = structToJson(template.custom!) as Record<string, unknown>;
  // flytekit resolves the relative uri against the working directory; point it at the fixture.
  // deno-lint-ignore no-explicit-any
  template.custom = jsonToStruct({ ...json, uri: CHINOOK, ...custom } as any);
  return template;
}

async function readDataset(storage: Storage, uri: string) {
  const local = `${await tempDir()}/00000`;
  await storage.download(`${uri}/00000`, local);
  return await readParquet(local);
}

Deno.test("sqlite3: flytekit's fixture runs through pyflyte-execute and matches expected-results.parquet", async () => {
  const inputs = decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`));
  const run = await runPropeller({ template: await fixtureTemplate(), inputs });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["outputs.pb"], run.error?.message ?? "");
  const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
  assertMatch(sd.uri!, new RegExp(`^${run.paths.rawOutputPrefix}/[0-9a-f]{32}$`));
  assertEquals(sd.metadata!.structuredDatasetType!.format, "parquet");
  assertEquals(sd.metadata!.structuredDatasetType!.columns ?? [], []);
  const table = await readDataset(run.storage, sd.uri!);
  const expected = await readParquet(`${FIXTURE_DIR}expected-results.parquet`);
  assertEquals(table.columns, expected.columns);
  assertEquals(table.rows, expected.rows);
});

Deno.test("sqlite3: a query on a missing table writes a USER error document", async () => {
  const inputs = decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`));
  const run = await runPropeller({
    template: await fixtureTemplate({
      query_template: "select * from trackz limit {{ .inputs.limit }}",
    }),
    inputs,
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["error.pb"]);
  assertEquals(run.error?.code, "USER:SqlError");
  assertEquals(run.error?.kind, flyteidl.core.ContainerError.Kind.NON_RECOVERABLE);
  assertEquals(run.error?.origin, flyteidl.core.ExecutionError.ErrorKind.USER);
  assertMatch(run.error?.message ?? "", /no such table: trackz/);
});

Deno.test("sqlite3: an error after 100,000 streamed rows writes a USER error document and no outputs", async () => {
  const inputs = decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`));
  const run = await runPropeller({
    template: await fixtureTemplate({
      query_template:
        "with recursive n(x) as (select 1 union all select x + 1 from n where x < 150000) " +
        "select x, case when x > 100000 then abs(-9223372036854775808) else x end as v " +
        "from n where {{ .inputs.limit }} > 0",
    }),
    inputs,
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["error.pb"]);
  assertEquals(run.error?.code, "USER:SqlError");
  assertEquals(run.error?.message, "Cannot run the query: integer overflow");
});

Deno.test("sqlite3: zip and tar.gz databases on S3 run end to end", async () => {
  await using s3 = await startS3rver({ buckets: ["my-s3-bucket"] });
  const storage = createStorage({ s3: s3.config });
  const db = await Deno.readFile(CHINOOK);
  const archives = {
    "chinook.zip": await zip([{ name: "chinook.db", data: db, deflate: true }]),
    "chinook.tar.gz": await tarGz([{ name: "chinook.db", data: db }]),
  };
  const inputs = decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`));
  for (const [name, bytes] of Object.entries(archives)) {
    await storage.write(`s3://my-s3-bucket/dbs/${name}`, bytes);
    const run = await runPropeller({
      template: await fixtureTemplate({ uri: `s3://my-s3-bucket/dbs/${name}`, compressed: true }),
      inputs,
      root: `s3://my-s3-bucket/${name}`,
      storage,
      env: s3.env,
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.files, ["outputs.pb"], run.error?.message ?? "");
    const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
    assert(sd.uri!.startsWith("s3://my-s3-bucket/"));
    const table = await readDataset(storage, sd.uri!);
    assertEquals(table.rows.length, 10);
    assertEquals(table.columns, [{ name: "TrackId", type: "BIGINT" }, {
      name: "Name",
      type: "VARCHAR",
    }]);
  }
  // A missing database object is the storage error, as it is.
  const run = await runPropeller({
    template: await fixtureTemplate({ uri: "s3://my-s3-bucket/dbs/missing.db" }),
    inputs,
    root: "s3://my-s3-bucket/missing",
    storage,
    env: s3.env,
  });
  assertEquals(run.files, ["error.pb"]);
  assertMatch(run.error?.message ?? "", /s3:\/\/my-s3-bucket\/dbs\/missing\.db/);
});
