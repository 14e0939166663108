// The shape of the codec's field tables (idl/_wire.ts), apart from the codec so that the generated
// tables (idl/gen/wire_tables.ts) and the codec that loads them do not import each other.

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
