/**
 * A streaming parquet writer for query results: rows go in one at a time, the column types are
 * decided from the first rows as pandas and pyarrow would decide them, and memory holds one row
 * group at a time ({@linkcode DatasetWriter}). The files read in pyarrow, pandas, DuckDB and
 * hyparquet.
 *
 * @example Rows to a parquet file
 * ```ts
 * import { DatasetWriter } from "./mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const columns = [{ name: "id" }, { name: "x" }];
 * const writer = new DatasetWriter({ path: `${dir}/00000`, columns });
 * for (const row of [[1n, 0.5], [2n, null]]) if (writer.push(row)) await writer.flush();
 * const result = await writer.close();
 * assertEquals([result.rows, result.columns.map((c) => c.kind)], [2, ["int64", "double"]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export {
  DatasetWriter,
  type DatasetWriteResult,
  type DatasetWriterOptions,
  PARQUET_FILE,
  type ResultColumn,
} from "./dataset_writer.ts";
export { ColumnChunkBuilder, MixedTypesError, ParquetAssembler } from "./parquet.ts";
export { inferColumnKind, widenKind } from "./columns.ts";
export type { ColumnKind, EncodedColumn, ParquetCodec, ParquetColumn, ValueKind } from "./types.ts";
