// The messages between DatasetWriter and its parquet worker, typed once for both sides (kept out
// of _parquet_worker.ts, whose worker globals must not reach the library's type graph).
import type { EncodedColumn, ParquetCodec, ParquetColumn } from "./types.ts";

/**
 * What DatasetWriter sends: open the file, a slice of rows (encoded chunks per column; `end`
 * ends the row group), close.
 */
export type WorkerMessage =
  | {
    type: "open";
    path: string;
    columns: ParquetColumn[];
    codec: ParquetCodec;
    pageBytes?: number;
    dictionaryBytes?: number;
  }
  | { type: "slice"; chunks: EncodedColumn[]; end: boolean }
  | { type: "close" };

/** What the worker answers; an ack gives the row group's value buffers back for reuse. */
export interface WorkerReply {
  type: "ack" | "closed" | "error";
  message?: string;
  buffers?: ArrayBuffer[];
}
