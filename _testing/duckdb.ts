// DuckDB (from npm) as an independent parquet reader for tests: column types and rows of a file.
import type { DuckDBConnection } from "@duckdb/node-api";

/** A parquet file as DuckDB reads it. */
export interface ParquetTable {
  /** Column names and DuckDB types (`BIGINT`, `DOUBLE`, `VARCHAR`, `BLOB`, ...). */
  columns: { name: string; type: string }[];
  /** Rows, as JS values (BIGINT as bigint, BLOB as Uint8Array, NULL as null). */
  rows: unknown[][];
}

let connection: Promise<DuckDBConnection> | undefined;

async function connect(): Promise<DuckDBConnection> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  return await instance.connect();
}

/** SQL string literal for a path. */
export function sqlPath(path: string): string {
  return `'${path.replaceAll("'", "''")}'`;
}

/**
 * Reads a parquet file with DuckDB; `query` may select from `t` (the file), by default
 * `select * from t`.
 */
export async function readParquet(path: string, query = "select * from t"): Promise<ParquetTable> {
  connection ??= connect();
  const conn = await connection;
  const sql = `with t as (select * from read_parquet(${sqlPath(path)})) ${query}`;
  const reader = await conn.runAndReadAll(sql);
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const rows = reader.getRowsJS().map((row) =>
    row.map((
      v,
    ) => (v && typeof v === "object" && "bytes" in v ? (v as { bytes: Uint8Array }).bytes : v))
  );
  return { columns: names.map((name, i) => ({ name, type: types[i].toString() })), rows };
}
