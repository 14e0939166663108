// Test helper: runs the SQL executor through the runtime's executeTask (real literal conversion,
// file storage, the secrets module) and reads the resulting parquet file back with DuckDB.
import { tempDir } from "./temp.ts";
import { executeTask } from "../entrypoint/dispatch.ts";
import {
  flyteidl,
  jsonToStruct,
  type JsonValue,
  type LiteralMap,
  type TaskTemplate,
} from "../idl/mod.ts";
import type { Variable } from "../idl/mod.ts";
import { createSecrets } from "../secrets/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { valuesToLiteralMap } from "../types/mod.ts";
import { sqlExecutor } from "../executors/sql/mod.ts";
import type { ExecutorLimits } from "../executors/mod.ts";
import { type ParquetTable, readParquet } from "./duckdb.ts";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { FlyteshimError } from "../errors.ts";

const S = flyteidl.core.SimpleType;

/** Input types by short name. */
export const T = {
  int: { simple: S.INTEGER },
  float: { simple: S.FLOAT },
  str: { simple: S.STRING },
  bool: { simple: S.BOOLEAN },
  datetime: { simple: S.DATETIME },
  duration: { simple: S.DURATION },
} as const;

/** What one run needs. */
export interface SqlRun {
  query: string;
  uri: string;
  connectArgs?: Record<string, JsonValue>;
  secretConnectArgs?: Record<string, { group: string; key: string }>;
  inputs?: Record<string, [flyteidl.core.ILiteralType, unknown]>;
  /** Declare the `results` output (a schema, as flytekit). @default true */
  output?: boolean;
  env?: Record<string, string>;
  secretDirs?: string[];
  signal?: AbortSignal;
  /** Read the parquet file back with DuckDB. @default true */
  read?: boolean;
  /** What the runtime passes to executors (`FLYTESHIM_MAX_UNPACKED_MB`, `FLYTESHIM_PARQUET_*`). */
  limits?: ExecutorLimits;
}

/** The outputs, the dataset's local parquet path (if any) and a DuckDB reading of it. */
export interface SqlRunResult {
  outputs: LiteralMap;
  parquet?: string;
  table?: ParquetTable;
}

/** Runs the executor once in a fresh raw output folder. */
export async function runSql(run: SqlRun): Promise<SqlRunResult> {
  const raw = await tempDir({ prefix: "flyteshim-sql-raw-" });
  const inputs = run.inputs ?? {};
  const inputVariables: Record<string, Variable> = {};
  const values: Record<string, unknown> = {};
  for (const [name, [type, value]] of Object.entries(inputs)) {
    inputVariables[name] = { type };
    values[name] = value;
  }
  const custom: Record<string, JsonValue> = {
    query_template: run.query,
    uri: run.uri,
    connect_args: run.connectArgs ?? {},
    secret_connect_args: run.secretConnectArgs
      ? Object.fromEntries(
        Object.entries(run.secretConnectArgs).map((
          [k, v],
        ) => [k, { ...v, group_version: null, mount_requirement: 0 }]),
      )
      : null,
  };
  const template: TaskTemplate = {
    id: { name: "sql_test", version: "1" },
    type: "sqlalchemy",
    interface: {
      inputs: { variables: inputVariables },
      outputs: {
        variables: (run.output === false ? {} : { results: { type: { schema: {} } } }) as Record<
          string,
          Variable
        >,
      },
    },
    custom: jsonToStruct(custom as { [key: string]: JsonValue }),
  };
  const storage = createStorage();
  const literals = await valuesToLiteralMap(values, inputVariables, { storage });
  const outputs = await executeTask(
    { template, templateUri: "memory://template", executor: sqlExecutor as never },
    literals,
    {
      storage,
      rawOutputPrefix: raw,
      secrets: createSecrets({ env: run.env ?? {}, dirs: run.secretDirs ?? [] }),
      signal: run.signal,
      limits: run.limits,
    },
  );
  const uri = outputs.literals?.results?.scalar?.structuredDataset?.uri;
  if (!uri) return { outputs };
  const parquet = `${uri}/00000`;
  return { outputs, parquet, table: run.read === false ? undefined : await readParquet(parquet) };
}

/**
 * An assertion that a run fails with a `FlyteshimError` of the given code and recoverability,
 * whose message never holds `password`.
 */
export function errorExpectation(
  password: string,
): (promise: Promise<unknown>, code: string, recoverable: boolean) => Promise<FlyteshimError> {
  return async (promise, code, recoverable) => {
    const error = await assertRejects(() => promise, FlyteshimError);
    assertEquals([error.code, error.recoverable], [code, recoverable], error.message);
    assert(!error.message.includes(password), `password in message: ${error.message}`);
    return error;
  };
}
