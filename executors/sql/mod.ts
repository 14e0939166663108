/**
 * The SQL executor: flytekit's `SQLAlchemyTask` (task type `sqlalchemy`) on PostgreSQL and
 * MySQL/MariaDB servers.
 *
 * It reads `custom.query_template`, `custom.uri` (a SQLAlchemy URL), `custom.connect_args` and
 * `custom.secret_connect_args`; resolves the secrets through the context; renders the query with
 * bound parameters (never pasting an input into SQL); and, when the task declares an output,
 * streams the result from a server-side cursor into a parquet file `<raw>/<32 hex>/00000`
 * returned as a structured dataset. Without a declared output it only executes the statement.
 * A template of several statements without bound inputs runs as a script in one transaction
 * (see `SqlConnection.script` for which statement's rows become the output).
 * Driver modules load lazily: a PostgreSQL run never imports the MySQL client.
 *
 * @example Parse a template's custom field
 * ```ts
 * import { sqlExecutor } from "@flyteshim/flyteshim/executors/sql";
 * import { assertEquals } from "@std/assert";
 *
 * const config = sqlExecutor.parseConfig(
 *   {
 *     query_template: "select 1",
 *     uri: "postgresql+psycopg2://app@db/app",
 *     connect_args: { port: 5433.0 },
 *   },
 *   {},
 * );
 * assertEquals(config.url.dialect, "postgresql");
 * assertEquals(sqlExecutor.taskTypes, ["sqlalchemy"]);
 * ```
 *
 * @module
 */

import { FlyteshimError, UserError } from "../../errors.ts";
import { defineExecutor, type Executor, type ExecutorContext } from "../mod.ts";
import { PARQUET_FILE } from "../../parquet/dataset_writer.ts";
import { datasetOutputOf } from "../_sql/output.ts";
import { renderQuery } from "../_sql/render.ts";
import { joinUri } from "../../storage/storage.ts";
import { declaredColumns } from "../../types/dataset.ts";
import { StructuredDataset } from "../../types/values.ts";
import { parseSqlConfig, type SqlConfig } from "./config.ts";
import { type ConnectOptions, resolveConnectOptions } from "./connect_options.ts";
import type { SqlDriver } from "./driver.ts";
import { scrubSecrets } from "./errors.ts";
import { ParquetFileSink } from "./parquet_sink.ts";
import { paramInputs, queryParam, type SqlParam } from "./params.ts";
import type { SqlDialect } from "./url.ts";

export type { SqlConfig } from "./config.ts";
export type { SqlDialect, SqlUrl } from "./url.ts";

/** Rows fetched per round trip from the server-side cursor. */
const BATCH_ROWS = 10_000;

async function loadDriver(dialect: SqlDialect): Promise<SqlDriver> {
  return dialect === "postgresql"
    ? (await import("./postgres.ts")).postgresDriver
    : (await import("./mysql.ts")).mysqlDriver;
}

async function resolveSecrets(
  config: SqlConfig,
  ctx: ExecutorContext,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [arg, ref] of Object.entries(config.secretConnectArgs)) {
    out[arg] = await ctx.secrets.get(ref);
  }
  return out;
}

/**
 * Renders the template: one statement with its bound parameters, or a script of several
 * statements (run in one transaction), which cannot take bound parameters.
 */
function renderStatements(
  config: SqlConfig,
  inputs: Record<string, unknown>,
): { sql: string; params: SqlParam[]; markers: number[]; script: boolean } {
  const dialect = config.url.dialect;
  const options = { dialect: dialect === "postgresql" ? "postgres" : "mysql" } as const;
  // Errors of the template itself come from this first rendering.
  const all = renderQuery(config.queryTemplate, inputs, { ...options, singleStatement: false });
  let single: ReturnType<typeof renderQuery> | undefined;
  try {
    single = renderQuery(config.queryTemplate, inputs, options);
  } catch {
    // Only the statement count differs between the two renderings: a script.
  }
  if (!single && all.params.length > 0) {
    const names = [...new Set(paramInputs(all.params, inputs).filter((n) => n !== undefined))];
    throw new UserError(
      `Cannot render query template: it holds several statements and binds inputs (${
        names.map((n) => `"${n}"`).join(", ") || "a value"
      }) as parameters, which ${
        dialect === "postgresql" ? "PostgreSQL" : "MySQL"
      } takes only in a single statement: run the statements that use inputs as tasks of their own, or keep the script free of inputs in value positions`,
      { code: "USER:InvalidTemplate" },
    );
  }
  const rendered = single ?? all;
  const names = paramInputs(rendered.params, inputs);
  return {
    sql: rendered.sql,
    params: rendered.params.map((v, i) => queryParam(v, dialect, { input: names[i] })),
    markers: rendered.markers,
    script: !single,
  };
}

async function run(
  config: SqlConfig,
  inputs: Record<string, unknown>,
  ctx: ExecutorContext,
  secrets: Record<string, string>,
  options: ConnectOptions,
) {
  const driver = await loadDriver(config.url.dialect);
  const { sql, params, markers, script } = renderStatements(config, inputs);
  const output = datasetOutputOf(ctx.template, "SQL");
  const target = `${options.host}:${options.port}/${options.database ?? ""}`;
  ctx.logger.info("Connecting to the database", {
    dialect: config.url.dialect,
    target,
    user: "user" in secrets || "username" in secrets ? "(from a secret)" : options.user,
    secretArgs: Object.keys(secrets),
  });
  const connection = await driver.connect(options, ctx.signal);
  try {
    if (!output) {
      if (script) await connection.script(sql, undefined, { signal: ctx.signal });
      else await connection.execute(sql, params, { signal: ctx.signal });
      ctx.logger.info("Statement executed; the task declares no output");
      return;
    }
    const uri = ctx.newRawOutputUri();
    const local = `${ctx.workDir}/sql-result-${crypto.randomUUID()}.parquet`;
    const sink = new ParquetFileSink(local, { ...ctx.limits?.parquet, signal: ctx.signal });
    ctx.logger.info("Running query", { parameters: params.length, script });
    let via = "rows";
    try {
      const options = { batchRows: BATCH_ROWS, signal: ctx.signal, markers };
      if (script) await connection.script(sql, sink, options);
      else via = (await connection.query(sql, params, sink, options)).via;
      await sink.close();
    } catch (error) {
      sink.abort();
      await Deno.remove(local).catch(() => {});
      throw error;
    }
    ctx.logger.info("Query result written", { rows: sink.rowCount, uri, via });
    await ctx.storage.upload(local, joinUri(uri, PARQUET_FILE), { signal: ctx.signal, move: true });
    await Deno.remove(local).catch(() => {});
    // As flytekit: the declared columns (none for its default schema output).
    const dataset = new StructuredDataset({
      uri,
      format: "parquet",
      columns: declaredColumns(output.type),
    });
    return { [output.name]: dataset };
  } finally {
    await connection.close().catch(() => {});
  }
}

/**
 * flyteshim's SQL executor (`flyteshim.sql`), also found under flytekit's executor path
 * `flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor`.
 */
export const sqlExecutor: Executor<SqlConfig> = defineExecutor<SqlConfig>({
  id: "flyteshim.sql",
  taskTypes: ["sqlalchemy"],
  aliases: ["flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor"],
  description: "Runs a SQL query on a database server and returns a structured dataset",
  parseConfig: (custom) => parseSqlConfig(custom),
  async execute(config, inputs, ctx) {
    let secrets: Record<string, string> = {};
    let options: ConnectOptions | undefined;
    try {
      secrets = await resolveSecrets(config, ctx);
      options = resolveConnectOptions(config.url, {
        connectArgs: config.connectArgs,
        secretArgs: secrets,
      });
      return await run(config, inputs, ctx, secrets, options);
    } catch (error) {
      // No message leaves with a password or a secret's value in it.
      if (error instanceof FlyteshimError) {
        error.message = scrubSecrets(error.message, [
          ...Object.values(secrets),
          config.url.password,
          options?.password,
        ]);
      }
      throw error;
    }
  },
});
