// Ready-made definitions for the built-in executors: flytekit's SQLite3Task and SQLAlchemyTask,
// with typed configs that serialize to exactly the `custom` flytekit's `get_custom` writes.
import {
  FLYTEKIT_SQLALCHEMY_EXECUTOR_CLASS,
  FLYTEKIT_SQLITE3_EXECUTOR_CLASS,
  SQL_EXECUTOR_ENTRY,
  SQLITE3_EXECUTOR_ENTRY,
} from "../executors/builtin.ts";
import { type InferValue, type TypeDescriptor, Types } from "../types/descriptors.ts";
import type { StructuredDataset } from "../types/values.ts";
import { defineTask } from "./define.ts";
import type { PrebuiltTask, SecretRequest, TaskOptions, VariableDescriptors } from "./types.ts";
import { secretArgOf } from "./_secret_arg.ts";

/** The default output of the SQL tasks: `results`, a parquet structured dataset. */
export type DefaultSqlOutputs = { results: TypeDescriptor<StructuredDataset> };

/** What every SQL task definition shares: the generic task options minus what the helper sets. */
export type SqlTaskBaseOptions<I extends VariableDescriptors, O extends VariableDescriptors> = Omit<
  TaskOptions<I, O>,
  "taskType" | "executor" | "flytekitExecutor" | "config"
>;

/** Options of {@linkcode sqlite3Task}. */
export interface Sqlite3TaskOptions<I extends VariableDescriptors, O extends VariableDescriptors>
  extends SqlTaskBaseOptions<I, O> {
  /** One structured dataset output, or none. @default {{ results: Types.structuredDataset() }} */
  outputs?: O & SqlOutputsFit<O>;
  /**
   * The query; `{{ .inputs.name }}` placeholders are replaced by the inputs (as bound values,
   * never pasted into the SQL). Written as given: newlines are kept.
   */
  queryTemplate: string;
  /** The database file: a local path, `file://`, `s3://` or `http(s)://` URI. */
  uri: string;
  /**
   * Whether `uri` is an archive (zip, tar, tar.gz, ...) holding one database file. @default false
   */
  compressed?: boolean;
}

/**
 * A SQLite3 task (flytekit's `SQLite3Task`, task type `sqlite`, executor `flyteshim.sqlite3`):
 * runs a query on a SQLite database file and returns the rows as a parquet structured dataset
 * named `results` (or the outputs given).
 *
 * @example A SQLite3 task on a zipped database
 * ```ts
 * import { sqlite3Task, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
 * import { structToJson } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const tracks = sqlite3Task({
 *   name: "sql.tracks",
 *   image: "ghcr.io/acme/flyteshim:0.1.0",
 *   queryTemplate: "select TrackId, Name from tracks limit {{ .inputs.limit }}",
 *   uri: "https://example.org/chinook.zip",
 *   compressed: true,
 *   inputs: { limit: Types.integer },
 * });
 * const template = toTaskTemplate(tracks);
 * assertEquals(template.type, "sqlite");
 * assertEquals(structToJson(template.custom).compressed, true);
 * ```
 *
 * @example The results of a SQL task
 * ```ts
 * import { type DefaultSqlOutputs, sqlite3Task } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const task = sqlite3Task({ name: "q", queryTemplate: "select 1", uri: "chinook.db" });
 * const outputs: DefaultSqlOutputs = task.options.outputs;
 * assertEquals(outputs.results.literalType.structuredDatasetType?.format, "parquet");
 * ```
 *
 * @example Run a query on a local SQLite file
 * ```ts
 * import {
 *   type DefaultSqlOutputs,
 *   readDataset,
 *   sqlite3Task,
 *   type Sqlite3TaskOptions,
 * } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
 * import { DatabaseSync } from "node:sqlite";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const uri = `${dir}/shop.db`;
 * using db = new DatabaseSync(uri);
 * db.exec("create table items (name, price); insert into items values ('pen', 1.5), ('ink', 4.0)");
 * const options: Sqlite3TaskOptions<{ min: typeof Types.float }, DefaultSqlOutputs> = {
 *   name: "items",
 *   uri,
 *   inputs: { min: Types.float },
 *   queryTemplate: "select name from items where price > {{.inputs.min}}",
 * };
 * // The dataset is written into the run folder: here one inside `dir`, removed with it.
 * const { results } = await sqlite3Task(options).run({ min: 2 }, { dir: `${dir}/run` });
 * assertEquals((await readDataset(results)).rows, [{ name: "ink" }]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function sqlite3Task<
  I extends VariableDescriptors = Record<never, TypeDescriptor>,
  O extends VariableDescriptors = DefaultSqlOutputs,
>(options: Sqlite3TaskOptions<I, O>): PrebuiltTask<I, O> {
  const { queryTemplate, uri, compressed, ...rest } = options;
  if (!queryTemplate?.trim()) {
    throw new TypeError(`Cannot define task "${options.name}": the query template is empty`);
  }
  if (!uri) throw new TypeError(`Cannot define task "${options.name}": the database uri is empty`);
  checkSqlOutputs(options.name, rest.outputs);
  return defineTask<I, O>({
    ...rest,
    outputs: (rest.outputs ?? { results: Types.structuredDataset() }) as O,
    taskType: "sqlite",
    executor: SQLITE3_EXECUTOR_ENTRY.id,
    flytekitExecutor: FLYTEKIT_SQLITE3_EXECUTOR_CLASS,
    config: { query_template: queryTemplate, uri, compressed: compressed ?? false },
  });
}

/** Options of {@linkcode sqlTask}. */
export interface SqlTaskOptions<I extends VariableDescriptors, O extends VariableDescriptors>
  extends SqlTaskBaseOptions<I, O> {
  /** One structured dataset output, or none. @default {{ results: Types.structuredDataset() }} */
  outputs?: O & SqlOutputsFit<O>;
  /** The query; `{{ .inputs.name }}` placeholders become bound parameters. */
  queryTemplate: string;
  /**
   * A SQLAlchemy URL (`postgresql://user@host:5432/db`, `mysql+pymysql://...`); keep passwords
   * out of it and use `secretConnectArgs`.
   */
  uri: string;
  /** Extra connection options (numbers become doubles on the wire). @default {} */
  connectArgs?: Record<string, string | number | boolean | null>;
  /**
   * Connection options read from secrets, e.g. `{ password: { group: "db", key: "password" } }`.
   * Each is also added to the task's secret requests, so that Flyte injects it.
   */
  secretConnectArgs?: Record<string, SecretRequest>;
}

/**
 * `true` when a type is a union of several members (a record with several keys, say).
 */
export type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/**
 * `unknown` when a SQL task's outputs are one structured dataset or none, else a type whose one
 * property says what is wrong (a query has one result).
 */
export type SqlOutputsFit<O extends VariableDescriptors> = [keyof O] extends [never] ? unknown
  : string extends keyof O ? unknown
  : true extends IsUnion<keyof O>
    ? { "Error: a SQL task has one dataset output (or none); it declares": keyof O }
  : unknown extends InferValue<O[keyof O]> ? unknown
  : [InferValue<O[keyof O]>] extends [StructuredDataset] ? unknown
  : { "Error: the output of a SQL task must be a structured dataset": keyof O };

/** The definition-time check of {@linkcode SqlOutputsFit}. */
function checkSqlOutputs(name: string, outputs: VariableDescriptors | undefined): void {
  const entries = Object.entries(outputs ?? {});
  if (entries.length > 1) {
    throw new TypeError(
      `Cannot define task "${name}": a SQL task has one dataset output (or none), found ${
        entries.map(([k]) => `"${k}"`).join(", ")
      }`,
    );
  }
  const [entry] = entries;
  if (entry && !entry[1].literalType.structuredDatasetType && !entry[1].literalType.schema) {
    throw new TypeError(
      `Cannot define task "${name}": output "${entry[0]}" must be a structured dataset`,
    );
  }
}

/**
 * A SQL task (flytekit's `SQLAlchemyTask`, task type `sqlalchemy`, executor `flyteshim.sql`):
 * runs a query on a PostgreSQL or MySQL server and returns the rows as a parquet structured
 * dataset named `results`; with `outputs: {}` it only executes the statement.
 *
 * @example A PostgreSQL query with its password from a secret
 * ```ts
 * import { sqlTask, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { structToJson } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const users = sqlTask({
 *   name: "sql.users",
 *   image: "ghcr.io/acme/flyteshim:0.1.0",
 *   queryTemplate: "select id, name from users",
 *   uri: "postgresql://app@db:5432/app",
 *   secretConnectArgs: { password: { group: "db", key: "password" } },
 * });
 * const template = toTaskTemplate(users);
 * assertEquals(structToJson(template.custom).secret_connect_args, {
 *   password: { group: "db", key: "password", group_version: null, mount_requirement: 0 },
 * });
 * assertEquals(template.securityContext?.secrets?.[0].key, "password");
 * ```
 *
 * @example Connection options and a password from a secret
 * ```ts
 * import {
 *   type DefaultSqlOutputs,
 *   sqlTask,
 *   type SqlTaskOptions,
 *   toTaskTemplate,
 *   type VariableDescriptors,
 * } from "@flyteshim/flyteshim/task";
 * import { structToJson } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const options: SqlTaskOptions<VariableDescriptors, DefaultSqlOutputs> = {
 *   name: "sql.users",
 *   image: "example:1",
 *   queryTemplate: "select id from users",
 *   uri: "postgresql://app@db:5432/app",
 *   connectArgs: { sslmode: "require" },
 *   secretConnectArgs: { password: { group: "db", key: "password" } },
 * };
 * const template = toTaskTemplate(sqlTask(options));
 * assertEquals(structToJson(template.custom).connect_args, { sslmode: "require" });
 * assertEquals(template.securityContext?.secrets?.[0].key, "password");
 * ```
 *
 * @example Options shared by a SQLite3 and a SQL task
 * ```ts
 * import {
 *   sqlite3Task,
 *   sqlTask,
 *   type SqlTaskBaseOptions,
 *   toTaskTemplate,
 *   type VariableDescriptors,
 * } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const common: SqlTaskBaseOptions<VariableDescriptors, VariableDescriptors> = {
 *   name: "sql.count",
 *   image: "example:1",
 *   retries: 2,
 * };
 * const query = "select count(*) from t";
 * const local = sqlite3Task({ ...common, queryTemplate: query, uri: "s3://bucket/db.sqlite" });
 * const remote = sqlTask({ ...common, queryTemplate: query, uri: "postgresql://app@db:5432/app" });
 * assertEquals([local, remote].map((task) => toTaskTemplate(task).metadata?.retries?.retries), [
 *   2,
 *   2,
 * ]);
 * ```
 */
export function sqlTask<
  I extends VariableDescriptors = Record<never, TypeDescriptor>,
  O extends VariableDescriptors = DefaultSqlOutputs,
>(options: SqlTaskOptions<I, O>): PrebuiltTask<I, O> {
  const { queryTemplate, uri, connectArgs, secretConnectArgs, ...rest } = options;
  if (!queryTemplate?.trim()) {
    throw new TypeError(`Cannot define task "${options.name}": the query template is empty`);
  }
  if (!uri) throw new TypeError(`Cannot define task "${options.name}": the database uri is empty`);
  checkSqlOutputs(options.name, rest.outputs);
  const secretArgs = Object.entries(secretConnectArgs ?? {});
  const secrets = [...(rest.secrets ?? [])];
  for (const [, s] of secretArgs) {
    const known = secrets.some((r) => r.group === s.group && r.key === s.key);
    if (!known) secrets.push(s);
  }
  return defineTask<I, O>({
    ...rest,
    outputs: (rest.outputs ?? { results: Types.structuredDataset() }) as O,
    secrets,
    taskType: "sqlalchemy",
    executor: SQL_EXECUTOR_ENTRY.id,
    flytekitExecutor: FLYTEKIT_SQLALCHEMY_EXECUTOR_CLASS,
    // The shape flytekit's SQLAlchemyTask.get_custom writes.
    config: {
      query_template: queryTemplate,
      uri,
      connect_args: connectArgs ?? {},
      secret_connect_args: secretArgs.length
        ? Object.fromEntries(secretArgs.map(([arg, s]) => [arg, secretArgOf(s)]))
        : null,
    },
  });
}
