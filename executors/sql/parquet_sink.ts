/**
 * A {@linkcode ResultSink} that streams a query result into a local parquet file with the shared
 * encoder of `parquet/parquet.ts`, one row group at a time (bounded memory).
 *
 * @module
 */

import { DatasetWriter } from "../../parquet/dataset_writer.ts";
import type {
  ColumnKind as ParquetKind,
  EncodedColumn,
  ParquetCodec,
} from "../../parquet/types.ts";
import type { ColumnKind, ResultSink, SqlColumn } from "./driver.ts";

/** How each driver column kind is stored in parquet (see the README's type table). */
export const PARQUET_KIND: Readonly<Record<ColumnKind, ParquetKind>> = {
  boolean: "boolean",
  int32: "int64",
  int64: "int64",
  float32: "double",
  float64: "double",
  string: "string",
  bytes: "binary",
  date: "date",
  timestamp: "timestamp_ntz",
  timestamptz: "timestamp",
  time: "time",
};

/** Options of {@linkcode ParquetFileSink}. */
export interface ParquetFileSinkOptions {
  /** Rows per row group. @default {1048576} (the shared writer's) */
  rowGroupRows?: number;
  /** PLAIN-encoded bytes that close a row group early. @default {134217728} */
  rowGroupBytes?: number;
  /** Page compression. @default {"SNAPPY"} */
  codec?: ParquetCodec;
  /** Aborts the write at the next row group. */
  signal?: AbortSignal;
}

/**
 * Writes a streamed result to a parquet file through the shared {@linkcode DatasetWriter}, with
 * the column kinds the server reported (no inference from values).
 *
 * @example Write two rows
 * ```ts
 * import { ParquetFileSink } from "./parquet_sink.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".parquet" });
 * const sink = new ParquetFileSink(path);
 * await sink.columns([{ name: "n", kind: "int64", serverType: "int8" }]);
 * await sink.rows([[1n], [null]]);
 * await sink.close();
 * assertEquals(sink.rowCount, 2);
 * await Deno.remove(path);
 * ```
 */
export class ParquetFileSink implements ResultSink {
  #path: string;
  #options: ParquetFileSinkOptions;
  #writer?: DatasetWriter;
  #columns: SqlColumn[] = [];
  #rows = 0;

  /** Creates a sink; the file is written from the first row group on. */
  constructor(path: string, options: ParquetFileSinkOptions = {}) {
    this.#path = path;
    this.#options = options;
  }

  /** The result's columns, once known. */
  get resultColumns(): readonly SqlColumn[] {
    return this.#columns;
  }

  /** Rows written so far. */
  get rowCount(): number {
    return this.#rows;
  }

  /** Starts the file for these columns. */
  columns(columns: readonly SqlColumn[]): void {
    this.#columns = [...columns];
    this.#writer = new DatasetWriter({
      path: this.#path,
      columns: columns.map((c) => ({ name: c.name, kind: PARQUET_KIND[c.kind] })),
      rowGroupRows: this.#options.rowGroupRows,
      rowGroupBytes: this.#options.rowGroupBytes,
      codec: this.#options.codec,
      signal: this.#options.signal,
    });
  }

  /** Appends a batch, writing row groups as they fill. */
  async rows(batch: readonly unknown[][]): Promise<void> {
    const writer = this.#writer!;
    for (const row of batch) {
      this.#rows++;
      if (writer.push(row)) await writer.flush();
    }
  }

  /** The most rows and bytes the next encoded slice may hold. */
  sliceLimit(): { rows: number; bytes: number } {
    return this.#writer!.sliceLimit;
  }

  /** Appends a slice of rows encoded column by column (see {@linkcode ResultSink.encoded}). */
  async encoded(chunks: EncodedColumn[], last: boolean): Promise<void> {
    this.#rows += chunks[0]?.count ?? 0;
    await this.#writer!.writeEncoded(chunks, last);
  }

  /** Writes the last row group and the footer, and closes the file. */
  async close(): Promise<void> {
    if (!this.#writer) this.columns([]);
    await this.#writer!.close();
  }

  /** Stops writing after a failure (the file is left incomplete). */
  abort(): void {
    this.#writer?.abort();
  }
}
