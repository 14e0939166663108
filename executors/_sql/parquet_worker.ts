// The worker side of DatasetWriter: compresses row groups into pages and appends them to the
// file, so that the main thread only reads rows and encodes values.
/// <reference lib="deno.worker" />
import {
  type EncodedColumn,
  ParquetAssembler,
  type ParquetCodec,
  type ParquetColumn,
} from "./parquet.ts";

type Message =
  | { type: "open"; path: string; columns: ParquetColumn[]; codec: ParquetCodec }
  | { type: "group"; chunks: EncodedColumn[] }
  | { type: "close" };

let assembler: ParquetAssembler | undefined;
let file: Deno.FsFile | undefined;
let failed = false;

function write(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file!.writeSync(bytes.subarray(off));
}

self.onmessage = (e: MessageEvent<Message>) => {
  if (failed) return;
  const message = e.data;
  try {
    switch (message.type) {
      case "open":
        assembler = new ParquetAssembler(message.columns, { codec: message.codec });
        file = Deno.openSync(message.path, { write: true, create: true, truncate: true });
        write(assembler.header());
        return; // "open" is not acknowledged
      case "group":
        assembler!.rowGroup(message.chunks, write);
        {
          const buffers = message.chunks.map((c) => c.values.buffer as ArrayBuffer);
          self.postMessage({ type: "ack", buffers }, buffers);
        }
        return;
      case "close":
        write(assembler!.footer());
        file!.close();
        self.postMessage({ type: "closed" });
        return;
    }
  } catch (error) {
    failed = true;
    self.postMessage({
      type: "error",
      message: error instanceof Error ? error.message : String(error),
    });
  }
};
