// Reading a structured dataset output back as rows. The parquet reader (hyparquet, pure JS) is
// imported only when rows are asked for, so running a task never loads it.
import { UserError } from "../errors.ts";
import { createStorage, joinUri, schemeOf, type Storage } from "../storage/mod.ts";
import type { StructuredDataset } from "../types/values.ts";

/**
 * Options of {@linkcode readDataset}.
 */
export interface ReadDatasetOptions {
  /** At most this many rows. @default {all rows} */
  limit?: number;
  /** Storage the parquet files are read through. @default {createStorage()} */
  storage?: Storage;
  /** Aborts the read. */
  signal?: AbortSignal;
}

/**
 * Rows of a dataset.
 */
export interface DatasetRows<R extends Record<string, unknown> = Record<string, unknown>> {
  /** Column names, in file order. */
  columns: string[];
  /**
   * The rows read, as objects by column name (INT64 as bigint, timestamps as `Date`); typed by
   * the columns the dataset's type declares.
   */
  rows: R[];
  /** How many rows the dataset holds in all. */
  totalRows: number;
}

async function isLocalDirectory(uri: string): Promise<boolean> {
  if (schemeOf(uri) !== "file") return false;
  const path = uri.startsWith("file://") ? decodeURIComponent(new URL(uri).pathname) : uri;
  return (await Deno.stat(path).catch(() => undefined))?.isDirectory === true;
}

async function parquetFiles(dataset: StructuredDataset, storage: Storage, signal?: AbortSignal) {
  const prefix = joinUri(dataset.uri);
  // A dataset is a folder of parquet files (as flytekit writes it), or one parquet file.
  const listed = (await storage.list(prefix, { signal }).catch(() => [] as string[])).filter((
    uri,
  ) => !uri.slice(prefix.length).split("/").some((p) => p.startsWith(".") || p.startsWith("_")));
  if (listed.length) return listed.sort();
  if (await storage.exists(prefix, { signal }) && !(await isLocalDirectory(prefix))) {
    return [prefix];
  }
  throw new UserError(`Cannot read dataset "${dataset.uri}": it holds no files`, {
    code: "USER:NotFound",
  });
}

/**
 * Reads a parquet structured dataset (every file below its URI, in name order, as flytekit
 * writes `00000`, `00001`, ...) into rows.
 *
 * @throws {UserError} `USER:NotFound` for an empty dataset, `USER:InvalidInput` for a format
 * other than parquet or a file that is not parquet.
 * @example Read the first rows of a parquet file written with hyparquet-writer
 * ```ts
 * import { readDataset } from "@flyteshim/flyteshim/task";
 * import { StructuredDataset } from "@flyteshim/flyteshim/types";
 * import { parquetWriteBuffer } from "hyparquet-writer";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const columnData = [
 *   { name: "id", data: [1, 2, 3], type: "INT32" as const },
 *   { name: "name", data: ["a", "b", "c"], type: "STRING" as const },
 * ];
 * await Deno.writeFile(`${dir}/00000`, new Uint8Array(parquetWriteBuffer({ columnData })));
 * const dataset = new StructuredDataset({ uri: dir });
 * const { columns, rows, totalRows } = await readDataset(dataset, { limit: 2 });
 * assertEquals(columns, ["id", "name"]);
 * assertEquals(rows, [{ id: 1, name: "a" }, { id: 2, name: "b" }]);
 * assertEquals(totalRows, 3);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readDataset<R extends Record<string, unknown> = Record<string, unknown>>(
  dataset: StructuredDataset<R>,
  options: ReadDatasetOptions = {},
): Promise<DatasetRows<R>> {
  if (dataset.format && dataset.format !== "parquet") {
    throw new UserError(
      `Cannot read dataset "${dataset.uri}": format "${dataset.format}" is not parquet`,
      { code: "USER:InvalidInput" },
    );
  }
  const storage = options.storage ?? createStorage();
  const limit = options.limit ?? Infinity;
  const { parquetMetadata, parquetReadObjects } = await import("hyparquet");
  const result: DatasetRows<R> = { columns: [], rows: [], totalRows: 0 };
  for (const uri of await parquetFiles(dataset, storage, options.signal)) {
    const bytes = await storage.read(uri, { signal: options.signal });
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    let metadata;
    try {
      metadata = parquetMetadata(file as ArrayBuffer);
    } catch (cause) {
      throw new UserError(`Cannot read dataset file "${uri}": not a parquet file`, {
        code: "USER:InvalidInput",
        cause,
      });
    }
    if (!result.columns.length) {
      result.columns = metadata.schema.slice(1).filter((s) => !s.num_children).map((s) => s.name);
    }
    const rows = Number(metadata.num_rows);
    const wanted = Math.min(rows, limit - result.rows.length);
    if (wanted > 0) {
      const read = await parquetReadObjects({
        file: file as ArrayBuffer,
        metadata,
        rowEnd: wanted,
      });
      result.rows.push(...read as R[]);
    }
    result.totalRows += rows;
  }
  return result;
}
