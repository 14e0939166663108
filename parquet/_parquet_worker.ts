// The worker side of DatasetWriter: encodes row groups into pages (dictionaries, statistics,
// compression) and appends them to the file, so that the main thread only reads rows and encodes
// values.
/// <reference lib="deno.worker" />
import { ParquetAssembler } from "./parquet.ts";
import type { WorkerMessage, WorkerReply } from "./_worker_protocol.ts";

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  self.postMessage(message, transfer);
}

let assembler: ParquetAssembler | undefined;
let file: Deno.FsFile | undefined;
let failed = false;

function write(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file!.writeSync(bytes.subarray(off));
}

// Messages are handled in order; opening a zstd file waits for the compressor to load.
let queue = Promise.resolve();
self.onmessage = (e: MessageEvent<WorkerMessage>) => {
  queue = queue.then(() => handle(e.data));
};

async function handle(message: WorkerMessage): Promise<void> {
  if (failed) return;
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
        return; // "open" is not acknowledged
      case "slice":
        if (message.chunks.length > 0) assembler!.add(message.chunks);
        if (message.end) assembler!.endRowGroup(write);
        {
          const buffers = message.chunks.map((c) => c.values.buffer as ArrayBuffer);
          reply({ type: "ack", buffers }, buffers);
        }
        return;
      case "close":
        write(assembler!.footer());
        file!.close();
        reply({ type: "closed" });
        return;
    }
  } catch (error) {
    failed = true;
    reply({
      type: "error",
      message: error instanceof Error ? error.message : String(error),
    });
  }
}
