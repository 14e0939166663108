/**
 * Streams query rows into a local parquet file in row groups, so memory stays flat in the
 * number of rows. Column types are decided from the first rows (see `columns.ts`). Small
 * results are written on the calling thread; from the second row group on, page encoding
 * (dictionaries, statistics, compression) and file writes move to a worker so that reading rows
 * and encoding pages use two cores.
 *
 * @example Two rows to a parquet file
 * ```ts
 * import { DatasetWriter } from "./dataset_writer.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const writer = new DatasetWriter({
 *   path: `${dir}/00000`,
 *   columns: [{ name: "id" }, { name: "name" }],
 * });
 * for (const row of [[1n, "a"], [2n, null]]) if (writer.push(row)) await writer.flush();
 * const result = await writer.close();
 * assertEquals(result.rows, 2);
 * assertEquals(result.columns.map((c) => c.kind), ["int64", "string"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { PROGRESS, type WorkerMessage, type WorkerReply } from "./_worker_protocol.ts";
import { SystemError, UserError } from "../errors.ts";
import { inferColumnKind } from "./columns.ts";
import { ColumnChunkBuilder, ParquetAssembler } from "./parquet.ts";
import type { ColumnKind, EncodedColumn, ParquetCodec, ParquetColumn } from "./types.ts";

/** The file name flytekit gives the one parquet file of a dataset it writes. */
export const PARQUET_FILE = "00000";

/** A result column as the database describes it. */
export interface ResultColumn {
  /** Column name. */
  name: string;
  /** Declared type, when the column comes straight from a table column. */
  declaredType?: string | null;
  /**
   * The parquet kind, when the database reports column types (PostgreSQL, MySQL); given for
   * every column, it replaces the inference from values.
   */
  kind?: ColumnKind;
}

/** Options of {@linkcode DatasetWriter}. */
export interface DatasetWriterOptions {
  /** The local file to write. */
  path: string;
  /** The result columns. */
  columns: readonly ResultColumn[];
  /** Rows per row group (pyarrow's default). @default {1048576} */
  rowGroupRows?: number;
  /**
   * PLAIN-encoded bytes that close a row group early (wide rows, large text or blobs); the
   * group's compressed pages are held until it ends. @default {134217728}
   */
  rowGroupBytes?: number;
  /** Bytes of values per data page. @default {1048576} */
  pageBytes?: number;
  /** Largest dictionary per column chunk before PLAIN encoding; 0 for none. @default {1048576} */
  dictionaryBytes?: number;
  /** Page compression. @default {"SNAPPY"} */
  codec?: ParquetCodec;
  /** Move compression and writes to a worker from the second row group on. @default {true} */
  worker?: boolean;
  /** Aborts the write at the next row group. */
  signal?: AbortSignal;
}

/** What {@linkcode DatasetWriter.close} returns. */
export interface DatasetWriteResult {
  /** Rows written. */
  rows: number;
  /** The columns, with their parquet kinds. */
  columns: ParquetColumn[];
}

/** Slices handed to the worker and not yet encoded. */
const MAX_IN_FLIGHT = 2;

/**
 * Rows are handed to the page encoder in slices of at most this many rows (or
 * {@linkcode SLICE_BYTES}), so that only a slice of PLAIN values is buffered; the encoder keeps
 * a row group's pages compressed until the group ends.
 */
export const SLICE_ROWS = 65536;

/** PLAIN-encoded bytes that end a slice early (wide rows). */
export const SLICE_BYTES = 8 * 1024 * 1024;

/** The rows whose values decide the column kinds (or the first slice, when smaller). */
export const INFER_ROWS = 32768;

/** The default rows per row group (pyarrow's). */
export const ROW_GROUP_ROWS = 1024 * 1024;

/**
 * The default PLAIN-encoded bytes per row group (parquet-mr's 128 MiB block size). Memory does not
 * grow with it: a row group's pages are held compressed, slices of rows are encoded as they come.
 */
export const ROW_GROUP_BYTES = 128 * 1024 * 1024;

/**
 * Writes rows to a parquet file: `push` each row (an array of values), `await flush()` when
 * `push` returns `true`, then `close()`.
 *
 * @example An empty result keeps its declared types
 * ```ts
 * import { DatasetWriter } from "./dataset_writer.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const writer = new DatasetWriter({
 *   path: `${dir}/00000`,
 *   columns: [{ name: "x", declaredType: "REAL" }],
 * });
 * assertEquals((await writer.close()).columns, [{ name: "x", kind: "double" }]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class DatasetWriter {
  #options: DatasetWriterOptions;
  #rowGroupRows: number;
  #rowGroupBytes: number;
  #pending: unknown[][] | undefined = [];
  #pendingBytes = 0;
  #builders: ColumnChunkBuilder[] = [];
  #columns: ParquetColumn[] = [];
  #groupRows = 0;
  #groupBytes = 0;
  #sliceRows = 0;
  #sliceLimit: number;
  #rows = 0;
  #file: Deno.FsFile | undefined;
  #assembler: ParquetAssembler | undefined;
  #worker: Worker | undefined;
  #posted = 0;
  #progress: Int32Array | undefined;
  #failure: Uint8Array | undefined;
  #workerError: unknown;
  #closed = false;
  #zstd: ((bytes: Uint8Array) => Uint8Array) | undefined;

  /** Creates a writer; nothing is written before the first slice or `close()`. */
  constructor(options: DatasetWriterOptions) {
    this.#options = options;
    this.#rowGroupRows = options.rowGroupRows ?? ROW_GROUP_ROWS;
    this.#rowGroupBytes = options.rowGroupBytes ?? ROW_GROUP_BYTES;
    this.#sliceLimit = Math.min(SLICE_ROWS, this.#rowGroupRows);
    const seen = new Set<string>();
    for (const c of options.columns) {
      if (seen.has(c.name)) {
        throw new UserError(
          `Cannot write dataset: the query returns two columns named "${c.name}"; give them distinct names (AS ...)`,
          { code: "USER:DuplicateColumn" },
        );
      }
      seen.add(c.name);
    }
    // Kinds reported by the database: no rows are held back for inference.
    if (options.columns.length > 0 && options.columns.every((c) => c.kind)) this.#decideColumns();
  }

  /** The columns with their kinds, once decided (after the first rows); else empty. */
  get columns(): readonly ParquetColumn[] {
    return this.#columns;
  }

  /** Rows pushed so far. */
  get rows(): number {
    return this.#rows + this.#sliceRows;
  }

  /** Appends a row; returns `true` when a slice is full and `flush()` should be awaited. */
  push(row: readonly unknown[]): boolean {
    this.#groupRows++;
    this.#sliceRows++;
    const pending = this.#pending;
    if (pending) {
      pending.push(row as unknown[]);
      for (let j = 0; j < row.length; j++) {
        const v = row[j];
        this.#pendingBytes += typeof v === "string"
          ? v.length
          : v instanceof Uint8Array
          ? v.length
          : 8;
      }
      if (pending.length >= INFER_ROWS) this.#decideColumns();
      return this.#sliceRows >= this.#sliceLimit ||
        this.#pendingBytes >= Math.min(SLICE_BYTES, this.#rowGroupBytes);
    }
    const builders = this.#builders;
    for (let j = 0; j < builders.length; j++) builders[j].append(row[j]);
    if (this.#sliceRows >= this.#sliceLimit || this.#groupRows >= this.#rowGroupRows) return true;
    if ((this.#sliceRows & 63) === 0) {
      let bytes = 0;
      for (const b of builders) bytes += b.byteLength;
      return bytes >= SLICE_BYTES || this.#groupBytes + bytes >= this.#rowGroupBytes;
    }
    return false;
  }

  /**
   * Hands the rows pushed so far to the page encoder, ending the row group when it is full
   * (more rows may follow).
   */
  async flush(): Promise<void> {
    await this.#writeGroup(false);
  }

  /**
   * The most rows and PLAIN bytes the next slice given to {@linkcode DatasetWriter.writeEncoded}
   * may hold (a slice, and the rest of the current row group).
   */
  get sliceLimit(): { rows: number; bytes: number } {
    return {
      rows: Math.min(this.#sliceLimit, this.#rowGroupRows - this.#groupRows),
      bytes: Math.min(SLICE_BYTES, this.#rowGroupBytes - this.#groupBytes),
    };
  }

  /**
   * Writes a slice of rows that a driver encoded itself, one PLAIN chunk per column (as
   * `ColumnChunkBuilder.finish` gives them), within {@linkcode DatasetWriter.sliceLimit}; the
   * column kinds must have been given, and no row pushed. `last` marks the result's last slice
   * (a result of one slice is then written on the calling thread, as with `push`).
   */
  async writeEncoded(chunks: EncodedColumn[], last = false): Promise<void> {
    if (this.#pending || this.#sliceRows > 0 || chunks.length !== this.#columns.length) {
      throw new TypeError(
        "Cannot write encoded rows: the writer holds pushed rows or other columns",
      );
    }
    const rows = chunks[0]?.count ?? 0;
    this.#groupRows += rows;
    this.#sliceRows = rows;
    await this.#writeGroup(false, chunks, last);
  }

  /**
   * {@linkcode DatasetWriter.flush} for a caller that cannot await: a row callback that runs
   * inside a statement (node:sqlite holds the thread until the statement ends). While the worker
   * catches up it blocks the thread instead of awaiting. With zstd, `await ready()` first.
   *
   * @example Rows pushed from a callback
   * ```ts
   * import { DatasetWriter } from "./dataset_writer.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const dir = await Deno.makeTempDir();
   * const writer = new DatasetWriter({
   *   path: `${dir}/00000`,
   *   columns: [{ name: "n", kind: "int64" }],
   * });
   * await writer.ready();
   * const onRow = (row: unknown[]) => {
   *   if (writer.push(row)) writer.flushSync();
   * };
   * for (let i = 0n; i < 100_000n; i++) onRow([i]);
   * assertEquals((await writer.close()).rows, 100_000);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  flushSync(): void {
    this.#checkAbort();
    if (this.#options.codec === "ZSTD" && !this.#zstd) {
      throw new TypeError("Cannot flush dataset writer synchronously: await ready() first");
    }
    const slice = this.#takeSlice(false);
    if (!slice) return;
    if (this.#worker) {
      // The buffers are not given back (no message is read until the statement ends).
      const transfer = slice.chunks.map((c) => c.values.buffer as ArrayBuffer);
      this.#postSync({ type: "slice", ...slice, recycle: false }, transfer);
    } else this.#writeInline(slice.chunks, slice.end);
  }

  /** Loads what writing may need before a {@linkcode DatasetWriter.flushSync} (zstd if asked). */
  async ready(): Promise<void> {
    if (this.#options.codec === "ZSTD" && !this.#zstd) {
      this.#zstd = await (await import("./_zstd.ts")).loadZstd();
    }
  }

  /** Writes the last row group and the footer, and closes the file. */
  async close(): Promise<DatasetWriteResult> {
    if (this.#closed) throw new TypeError("Cannot close dataset writer: already closed");
    await this.#writeGroup(true);
    this.#closed = true;
    if (this.#worker) {
      await this.#post({ type: "close" }, [], true);
      this.#worker.terminate();
      this.#worker = undefined;
    } else {
      const assembler = this.#ensureAssembler();
      this.#write(assembler.footer());
      this.#file!.close();
      this.#file = undefined;
    }
    return { rows: this.#rows, columns: this.#columns };
  }

  /** Stops writing: ends the worker and closes the file (which is left incomplete). */
  abort(): void {
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = undefined;
    try {
      this.#file?.close();
    } catch { /* already closed */ }
    this.#file = undefined;
  }

  #checkAbort(): void {
    const signal = this.#options.signal;
    if (signal?.aborted) {
      this.abort();
      throw new SystemError("Cannot finish the query: the task was aborted", {
        code: "SYSTEM:Aborted",
        cause: signal.reason,
      });
    }
  }

  #decideColumns(): void {
    const pending = this.#pending!;
    this.#columns = this.#options.columns.map((c, j) => ({
      name: c.name,
      kind: c.kind ?? inferColumnKind(pending.map((row) => row[j]), c.declaredType),
    }));
    this.#builders = this.#columns.map((c) => new ColumnChunkBuilder(c));
    for (const row of pending) {
      for (let j = 0; j < this.#builders.length; j++) this.#builders[j].append(row[j]);
    }
    this.#pending = undefined;
  }

  /**
   * Hands a slice to the page encoder: the builders' chunks, or `encoded` ones from
   * {@linkcode DatasetWriter.writeEncoded} (`lastSlice`: no worker is started for it).
   */
  async #writeGroup(last: boolean, encoded?: EncodedColumn[], lastSlice = last): Promise<void> {
    this.#checkAbort();
    if (this.#options.codec === "ZSTD" && !this.#zstd) await this.ready();
    const slice = this.#takeSlice(last, encoded, lastSlice);
    if (!slice) return;
    // A driver's own chunks are not given back to the builders, which would only hold them.
    const recycle = encoded === undefined;
    if (this.#worker) {
      const transfer = slice.chunks.map((c) => c.values.buffer as ArrayBuffer);
      await this.#post({ type: "slice", ...slice, recycle }, transfer, false);
    } else this.#writeInline(slice.chunks, slice.end, recycle);
  }

  /**
   * The slice's encoded chunks (the builders', or `encoded`) and whether it ends the row group;
   * starts the worker unless this is the result's last slice.
   */
  #takeSlice(
    last: boolean,
    encoded?: EncodedColumn[],
    lastSlice = last,
  ): { chunks: EncodedColumn[]; end: boolean } | undefined {
    if (this.#pending) this.#decideColumns();
    this.#throwWorkerError();
    const chunks = encoded ?? (this.#sliceRows > 0 ? this.#builders.map((b) => b.finish()) : []);
    for (const c of chunks) this.#groupBytes += c.values.length;
    const end = last || this.#groupRows >= this.#rowGroupRows ||
      this.#groupBytes >= this.#rowGroupBytes;
    this.#rows += this.#sliceRows;
    this.#sliceRows = 0;
    if (end) {
      this.#groupRows = 0;
      this.#groupBytes = 0;
    }
    if (chunks.length === 0 && !end) return undefined;
    if (
      !lastSlice && this.#options.worker !== false && !this.#worker && !this.#assembler &&
      workerAvailable()
    ) {
      this.#startWorker();
    }
    return { chunks, end };
  }

  #writeInline(chunks: EncodedColumn[], end: boolean, recycle = true): void {
    const assembler = this.#ensureAssembler();
    if (chunks.length > 0) assembler.add(chunks);
    if (end) assembler.endRowGroup((bytes) => this.#write(bytes));
    if (recycle) chunks.forEach((c, j) => this.#builders[j].recycle(c.values.buffer));
  }

  #ensureAssembler(): ParquetAssembler {
    if (!this.#assembler) {
      this.#assembler = new ParquetAssembler(this.#columns, {
        codec: this.#options.codec,
        zstd: this.#zstd,
        pageBytes: this.#options.pageBytes,
        dictionaryBytes: this.#options.dictionaryBytes,
      });
      this.#file = Deno.openSync(this.#options.path, { write: true, create: true, truncate: true });
      this.#write(this.#assembler.header());
    }
    return this.#assembler;
  }

  #write(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += this.#file!.writeSync(bytes.subarray(off));
  }

  #startWorker(): void {
    const shared = new SharedArrayBuffer(PROGRESS.BYTES);
    this.#progress = new Int32Array(shared, 0, PROGRESS.MESSAGE_OFFSET / 4);
    this.#failure = new Uint8Array(shared, PROGRESS.MESSAGE_OFFSET);
    const worker = new Worker(workerUrl(), { type: "module" });
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      e.data.buffers.forEach((b, j) => this.#builders[j].recycle(b));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.#workerError ??= new SystemError(`Cannot write parquet file: ${e.message}`, {
        code: "SYSTEM:ParquetWriteError",
      });
      Atomics.notify(this.#progress!, PROGRESS.DONE); // wakes #post
    };
    const message: WorkerMessage = {
      type: "open",
      path: this.#options.path,
      columns: this.#columns,
      codec: this.#options.codec ?? "SNAPPY",
      pageBytes: this.#options.pageBytes,
      dictionaryBytes: this.#options.dictionaryBytes,
      progress: shared,
    };
    worker.postMessage(message);
    this.#worker = worker;
  }

  /** Throws the worker's failure, once it has reported one. */
  #throwWorkerError(): void {
    if (!this.#workerError && this.#progress && Atomics.load(this.#progress, PROGRESS.FAILED)) {
      const bytes = Atomics.load(this.#progress, PROGRESS.MESSAGE_BYTES);
      const text = new TextDecoder().decode(this.#failure!.slice(0, bytes));
      this.#workerError = new SystemError(`Cannot write parquet file: ${text}`, {
        code: "SYSTEM:ParquetWriteError",
      });
    }
    if (this.#workerError) throw this.#workerError;
  }

  /** Posts a message; waits while too many are in flight (or for all of them, `drain`). */
  async #post(message: WorkerMessage, transfer: ArrayBuffer[], drain: boolean): Promise<void> {
    this.#send(message, transfer);
    const limit = drain ? 0 : MAX_IN_FLIGHT;
    for (let done; (done = this.#behind(limit)) !== undefined;) {
      await Atomics.waitAsync(this.#progress!, PROGRESS.DONE, done).value;
    }
  }

  /** {@linkcode DatasetWriter.#post} for a thread that cannot await: blocks while it waits. */
  #postSync(message: WorkerMessage, transfer: ArrayBuffer[]): void {
    this.#send(message, transfer);
    for (let done; (done = this.#behind(MAX_IN_FLIGHT)) !== undefined;) {
      Atomics.wait(this.#progress!, PROGRESS.DONE, done);
    }
  }

  #send(message: WorkerMessage, transfer: ArrayBuffer[]): void {
    this.#worker!.postMessage(message, transfer);
    this.#posted++;
  }

  /**
   * The worker's count of handled messages while more than `limit` are in flight (the value to
   * wait past), else `undefined`; throws the worker's failure.
   */
  #behind(limit: number): number | undefined {
    this.#throwWorkerError();
    const done = Atomics.load(this.#progress!, PROGRESS.DONE);
    return this.#posted - done > limit ? done : undefined;
  }
}

/** The worker module (made when first asked for: a small result never starts the worker). */
function workerUrl(): URL {
  return new URL("./_parquet_worker.ts", import.meta.url);
}

let workerFound: boolean | undefined;

/** Whether the worker module is there (a bundle or binary may leave it out): else write inline. */
function workerAvailable(): boolean {
  if (workerFound === undefined) {
    try {
      const url = workerUrl();
      workerFound = url.protocol !== "file:" || Deno.statSync(url).isFile;
    } catch {
      workerFound = false;
    }
  }
  return workerFound;
}
