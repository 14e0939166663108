// Test helper: a SQLAlchemyTask template as flytekit serializes it, run by the real program
// through the propeller harness, with its dataset read back by DuckDB.
import { jsonToStruct, type JsonValue, type TaskTemplate } from "../idl/mod.ts";
import { type LiteralType, valuesToLiteralMap } from "../types/mod.ts";
import { type ParquetTable, readParquet } from "./_duckdb.ts";
import { flytekitContainerArgs, type PropellerRunResult, runPropeller } from "./_propeller.ts";

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
      args: flytekitContainerArgs("flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor"),
    },
  };
  // A storage root of its own, removed once the dataset has been read.
  const root = await Deno.makeTempDir({ prefix: "flyteshim-sql-task-" });
  try {
    const run = await runPropeller({
      root,
      template,
      inputs: await valuesToLiteralMap(values, types),
      env: task.env,
    });
    if (run.code !== 0) throw new Error(`program exited ${run.code}: ${run.stderr}`);
    const uri = run.outputs?.literals?.results?.scalar?.structuredDataset?.uri;
    return { run, table: uri ? await readParquet(`${uri}/00000`, task.read) : undefined };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
