// Test helper: SQLAlchemyTask templates as flytekit serializes them, run by the real program
// through the propeller harness, with its dataset read back by DuckDB; and the steps the
// PostgreSQL and MariaDB suites share (sqlSharedSteps).
import { removing } from "./temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { jsonToStruct, type JsonValue, type TaskTemplate } from "../idl/mod.ts";
import { Timestamp, Types, valuesToLiteralMap } from "../types/mod.ts";
import type { LiteralType } from "../idl/mod.ts";
import { type ParquetTable, readParquet } from "./duckdb.ts";
import { flytekitContainerArgs, type PropellerRunResult, runPropeller } from "./propeller.ts";

/** flytekit's executor path for SQLAlchemyTask. */
export const SQLALCHEMY_EXECUTOR = "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor";

/** A template as flytekit's SQLAlchemyTask serializes it, `limit` in, `results` out. */
export function sqlalchemyTemplate(custom: Record<string, unknown>): TaskTemplate {
  return {
    id: {
      resourceType: 1,
      project: "flytesnacks",
      domain: "development",
      name: "sql.q",
      version: "v1",
    },
    type: "sqlalchemy",
    metadata: { runtime: { type: 1, version: "1.16.10", flavor: "python" } },
    interface: {
      inputs: { variables: { limit: { type: Types.integer.literalType, description: "limit" } } },
      outputs: { variables: { results: { type: { schema: {} }, description: "results" } } },
    },
    custom: jsonToStruct(custom as never),
    container: { image: "flyteshim:test", args: flytekitContainerArgs(SQLALCHEMY_EXECUTOR) },
  };
}

/** One run of a SQLAlchemyTask through the propeller harness. */
export interface SqlTaskRun {
  /** The query template. */
  query: string;
  /** The SQLAlchemy URL. */
  uri: string;
  /** `connect_args`. @default {{}} */
  connectArgs?: Record<string, JsonValue>;
  /** Inputs by name: literal type and value. */
  inputs?: Record<string, [LiteralType, unknown]>;
  /** Declare the `results` output (a schema, as flytekit). @default true */
  output?: boolean;
  /** The program's environment (`TZ`, ...). */
  env?: Record<string, string>;
  /** DuckDB query over `t` (the dataset) when reading it back. @default "select * from t" */
  read?: string;
}

/** The run and, when it wrote one, the dataset as DuckDB reads it. */
export interface SqlTaskResult {
  run: PropellerRunResult;
  table?: ParquetTable;
}

/**
 * Runs the task once in a fresh storage root, removed afterwards; the program must exit 0 (with
 * outputs or an error document).
 */
export async function runSqlTask(task: SqlTaskRun): Promise<SqlTaskResult> {
  const types: Record<string, LiteralType> = {};
  const values: Record<string, unknown> = {};
  for (const [name, [type, value]] of Object.entries(task.inputs ?? {})) {
    types[name] = type;
    values[name] = value;
  }
  const template: TaskTemplate = {
    id: { resourceType: 1, project: "p", domain: "d", name: "sql.t", version: "v1" },
    type: "sqlalchemy",
    metadata: { runtime: { type: 1, version: "1.16.10", flavor: "python" } },
    interface: {
      inputs: {
        variables: Object.fromEntries(Object.entries(types).map(([k, type]) => [k, { type }])),
      },
      outputs: {
        variables: task.output === false ? {} : { results: { type: { schema: {} } } },
      },
    },
    custom: jsonToStruct({
      query_template: task.query,
      uri: task.uri,
      connect_args: task.connectArgs ?? {},
      secret_connect_args: null,
    }),
    container: {
      image: "flyteshim:test",
      args: flytekitContainerArgs(SQLALCHEMY_EXECUTOR),
    },
  };
  // A storage root of its own, removed once the dataset has been read.
  const root = await Deno.makeTempDir({ prefix: "flyteshim-sql-task-" });
  await using _root = removing(root);
  const run = await runPropeller({
    root,
    template,
    inputs: await valuesToLiteralMap(values, types),
    env: task.env,
  });
  if (run.code !== 0) throw new Error(`program exited ${run.code}: ${run.stderr}`);
  const uri = run.outputs?.literals?.results?.scalar?.structuredDataset?.uri;
  return { run, table: uri ? await readParquet(`${uri}/00000`, task.read) : undefined };
}

/** One engine's server, for {@linkcode sqlSharedSteps}. */
export interface SqlEngineCase {
  /** The SQLAlchemy URL. */
  uri: string;
  /**
   * Timestamp columns of its `events` table, whose rows 1 to 4 are at 2024-01-01 10:00:00.000001,
   * 10:00:00.000002, 14:00:00.5 and 06:00:00 (UTC).
   */
  sinceColumns: string[];
  /** Rows of its `s1` table, read by the engine's own client. */
  countS1(): Promise<number>;
  /** What the server says of a duplicate primary key. */
  duplicateKey: string;
  /** `connect_args` that each require TLS. */
  tlsRequired: Record<string, JsonValue>[];
}

const TZ = { TZ: "America/New_York" };

/**
 * The steps every SQL engine passes alike, by name, each run as a step of `t` on `engine`:
 * `since` (README's `created_at > since`), `rollback` (a failure in statement 2 rolls statement 1
 * back; `s1` then holds ids 1 and 2) and `tls` (TLS required, server without it).
 */
export const sqlSharedSteps = {
  since: (t: Deno.TestContext, engine: SqlEngineCase) =>
    t.step(
      "README's created_at > since: a string and a datetime, TZ=America/New_York",
      async () => {
        for (const column of engine.sinceColumns) {
          for (
            const since of [
              [Types.string.literalType, "2024-01-01 10:00:00.000001"],
              [Types.datetime.literalType, Timestamp.parse("2024-01-01T10:00:00.000001Z")],
            ] as const
          ) {
            const { run, table } = await runSqlTask({
              query: `select id from events where ${column} > {{ .inputs.since }} order by id`,
              uri: engine.uri,
              inputs: { since: [since[0], since[1]] },
              env: TZ,
            });
            assertEquals(run.error, undefined, run.error?.message ?? "");
            assertEquals(table!.rows, [[2n], [3n]], `${column}, ${typeof since[1]}`);
          }
        }
      },
    ),
  rollback: (t: Deno.TestContext, engine: SqlEngineCase) =>
    t.step("a failure in statement 2 rolls statement 1 back", async () => {
      const { run } = await runSqlTask({
        query: "insert into s1 values (3, 'x'); insert into s1 values (1, 'duplicate');",
        uri: engine.uri,
        output: false,
      });
      assertEquals(run.error?.code, "USER:SqlError");
      assertStringIncludes(run.error?.message ?? "", engine.duplicateKey);
      assertEquals(await engine.countS1(), 2);
    }),
  tls: (t: Deno.TestContext, engine: SqlEngineCase) =>
    t.step("TLS required, server without TLS: USER:InvalidConfig", async () => {
      for (const connectArgs of engine.tlsRequired) {
        const { run } = await runSqlTask({ query: "select 1", uri: engine.uri, connectArgs });
        assert(run.error, `${JSON.stringify(connectArgs)}: no error document`);
        assertEquals(run.error.code, "USER:InvalidConfig");
        assertEquals(run.error.kind, 0); // NON_RECOVERABLE
        assertEquals(run.error.origin, 1); // USER
        assertStringIncludes(
          run.error.message ?? "",
          "server does not support SSL, but SSL was required",
        );
      }
    }),
};
