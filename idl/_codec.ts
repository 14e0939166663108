// Decoding and encoding helpers shared by idl/core.ts (the table-driven codec) and idl/admin.ts
// (protobufjs's generated classes).

/** The generated class of one message type, as the decode and encode helpers need it. */
export interface MessageClass<T> {
  decode(reader: Uint8Array): T;
  encode(message: T): { finish(): Uint8Array };
}

/** Runs a decoder, turning its failure into a `SyntaxError` that names the message. */
export function parseAs<T>(name: string, decode: () => T): T {
  try {
    return decode();
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new SyntaxError(`Cannot parse ${name}: ${detail}`, { cause });
  }
}

/** Decodes with a generated class. */
export function decodeWith<T>(cls: MessageClass<T>, name: string, bytes: Uint8Array): T {
  return parseAs(name, () => cls.decode(bytes));
}

/** Encodes with a generated class into a plain `Uint8Array`. */
export function encodeWith<T>(cls: MessageClass<T>, message: T): Uint8Array {
  const bytes = cls.encode(message).finish();
  // protobufjs serves small messages as views into one shared slab: callers get bytes of their
  // own, so that transferring or reusing `.buffer` cannot touch another message.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength &&
      bytes.constructor === Uint8Array
    ? bytes
    : bytes.slice();
}
