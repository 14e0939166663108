// Byte helpers shared by the network backends (http, gs, abfs), which read bodies chunk by chunk
// to mark progress.

/** Joins chunks into one array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
