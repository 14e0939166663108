// The shape of the field tables that `deno task gen` writes to gen/wire_tables.ts and the codec in
// _wire.ts reads: in a module of their own, so the generated tables and the codec do not import
// each other.

/**
 * One field: `[id, name, type, ref, label]`; ref is the full name of its enum or message type;
 * label is "", "repeated", "packed", "map:<key type>" or "oneof:<name>".
 */
export type FieldTable = readonly [number, string, string, string, string];

/** Field tables by full message name, and enum values by full enum name. */
export interface WireTables {
  /** Fields of each message, in id order. */
  messages: Record<string, readonly FieldTable[]>;
  /** Values of each enum. */
  enums: Record<string, Record<string, number>>;
}
