// The messages between DatasetWriter and its parquet worker, typed once for both sides (kept out
// of _parquet_worker.ts, whose worker globals must not reach the library's type graph).
import type { EncodedColumn, ParquetCodec, ParquetColumn } from "./types.ts";

/**
 * What DatasetWriter sends: open the file, a slice of rows (encoded chunks per column; `end`
 * ends the row group; `recycle` asks for the value buffers back), close.
 */
export type WorkerMessage =
  | {
    type: "open";
    path: string;
    columns: ParquetColumn[];
    codec: ParquetCodec;
    pageBytes?: number;
    dictionaryBytes?: number;
    /** The shared progress record (see {@linkcode PROGRESS}). */
    progress: SharedArrayBuffer;
  }
  | { type: "slice"; chunks: EncodedColumn[]; end: boolean; recycle: boolean }
  | { type: "close" };

/**
 * The progress record the worker keeps in shared memory, so that the writer can wait for it
 * without the event loop (a row callback inside a running statement cannot await): an Int32Array
 * over its first 16 bytes, then the UTF-8 message of a failure.
 */
export const PROGRESS = {
  /** Int32 index: messages handled (slices and close; "open" is not counted). */
  DONE: 0,
  /** Int32 index: 1 once the worker failed. */
  FAILED: 1,
  /** Int32 index: bytes of the failure's message. */
  MESSAGE_BYTES: 2,
  /** Byte offset of the failure's message. */
  MESSAGE_OFFSET: 16,
  /** Bytes of the record. */
  BYTES: 16 + 1024,
} as const;

/** What the worker answers to a slice sent with `recycle`: its value buffers, for reuse. */
export interface WorkerReply {
  type: "ack";
  buffers: ArrayBuffer[];
}
