// Parquet files written straight through the encoder (ColumnChunkBuilder + ParquetAssembler), for
// the writer's unit tests to read back with DuckDB.
import {
  ColumnChunkBuilder,
  ParquetAssembler,
  type ParquetAssemblerOptions,
  type ParquetColumn,
} from "../parquet/parquet.ts";
import { tempDir } from "./temp.ts";

/** A parquet file written by {@linkcode writeParquetGroups}; disposing it removes its folder. */
export interface WrittenParquet extends AsyncDisposable {
  /** The file, `<fresh folder>/00000`. */
  path: string;
  /** Its bytes. */
  bytes: Uint8Array;
}

/**
 * Writes `groups` of rows, one row group each, as a parquet file in a fresh folder (removed on
 * dispose, or when the test process ends).
 */
export async function writeParquetGroups(
  columns: ParquetColumn[],
  groups: unknown[][][],
  options: ParquetAssemblerOptions = {},
): Promise<WrittenParquet> {
  const builders = columns.map((c) => new ColumnChunkBuilder(c, 16));
  const assembler = new ParquetAssembler(columns, options);
  const parts: Uint8Array<ArrayBuffer>[] = [assembler.header() as Uint8Array<ArrayBuffer>];
  for (const rows of groups) {
    for (const row of rows) row.forEach((v, j) => builders[j].append(v));
    assembler.rowGroup(
      builders.map((b) => b.finish()),
      (b) => parts.push(b.slice() as Uint8Array<ArrayBuffer>),
    );
  }
  parts.push(assembler.footer() as Uint8Array<ArrayBuffer>);
  const dir = await tempDir();
  const path = `${dir}/00000`;
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  await Deno.writeFile(path, bytes);
  return { path, bytes, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}
