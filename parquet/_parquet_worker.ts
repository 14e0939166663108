// The worker side of DatasetWriter: encodes row groups into pages (dictionaries, statistics,
// compression) and appends them to the file, so that the main thread only reads rows and encodes
// values. Progress and failures go to a shared record (PROGRESS), which the writer can wait on
// while its thread is held by a running statement.
/// <reference lib="deno.worker" />
import { ParquetAssembler } from "./parquet.ts";
import { PROGRESS, type WorkerMessage, type WorkerReply } from "./_worker_protocol.ts";

let assembler: ParquetAssembler | undefined;
let file: Deno.FsFile | undefined;
let progress: Int32Array | undefined;
let failure: Uint8Array | undefined;
let failed = false;

function write(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file!.writeSync(bytes.subarray(off));
}

function handled(): void {
  Atomics.add(progress!, PROGRESS.DONE, 1);
  Atomics.notify(progress!, PROGRESS.DONE);
}

// Messages are handled in order; opening a zstd file waits for the compressor to load.
let queue = Promise.resolve();
self.onmessage = (e: MessageEvent<WorkerMessage>) => {
  queue = queue.then(() => handle(e.data));
};

async function handle(message: WorkerMessage): Promise<void> {
  if (message.type === "open") {
    progress = new Int32Array(message.progress, 0, PROGRESS.MESSAGE_OFFSET / 4);
    failure = new Uint8Array(message.progress, PROGRESS.MESSAGE_OFFSET);
  }
  if (failed) return handled();
  try {
    switch (message.type) {
      case "open":
        assembler = new ParquetAssembler(message.columns, {
          codec: message.codec,
          zstd: message.codec === "ZSTD"
            ? await (await import("./_zstd.ts")).loadZstd()
            : undefined,
          pageBytes: message.pageBytes,
          dictionaryBytes: message.dictionaryBytes,
        });
        file = Deno.openSync(message.path, { write: true, create: true, truncate: true });
        write(assembler.header());
        break;
      case "slice":
        if (message.chunks.length > 0) assembler!.add(message.chunks);
        if (message.end) assembler!.endRowGroup(write);
        if (message.recycle) {
          const buffers = message.chunks.map((c) => c.values.buffer as ArrayBuffer);
          const reply: WorkerReply = { type: "ack", buffers };
          self.postMessage(reply, buffers);
        }
        break;
      case "close":
        write(assembler!.footer());
        file!.close();
        break;
    }
  } catch (error) {
    failed = true;
    const text = error instanceof Error ? error.message : String(error);
    const { written } = new TextEncoder().encodeInto(text, failure!);
    Atomics.store(progress!, PROGRESS.MESSAGE_BYTES, written);
    Atomics.store(progress!, PROGRESS.FAILED, 1);
  }
  if (message.type === "open") Atomics.notify(progress!, PROGRESS.DONE); // not counted
  else handled();
}
