// A protobuf text-format printer that writes what `protoc --decode` writes, for comparing decoded
// messages with the committed `.txt` fixtures without running protoc. It reads the field layout
// by reflection from the `.proto` files of `@flyteorg/flyteidl` (test-only; never on a hot path).
import protobuf from "protobufjs";
import { fromInt64, type Int64 } from "../../idl/core.ts";

const PROTOS = new URL("../../node_modules/@flyteorg/flyteidl/protos/", import.meta.url);

let root: protobuf.Root | undefined;

/** The reflection root for the flyteidl protos (field names as in the `.proto` files). */
export function flyteRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) =>
    target.startsWith("google/protobuf/") ? target : new URL(target, PROTOS).pathname;
  r.loadSync(["flyteidl/core/tasks.proto", "flyteidl/core/literals.proto"], { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

/** protobufjs loads its built-in google types with camelCase names; protoc prints snake_case. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** C-style escaping as protoc's `CEscape`: printable ASCII kept, the rest as 3-digit octal. */
function cEscape(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b === 0x09) out += "\\t";
    else if (b === 0x22) out += '\\"';
    else if (b === 0x27) out += "\\'";
    else if (b === 0x5c) out += "\\\\";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, "0")}`;
  }
  return out;
}

/** `%g` with the given precision, as C prints it. */
function gFormat(value: number, precision: number): string {
  const exp = Number(value.toExponential(precision - 1).split("e")[1]);
  if (exp < -4 || exp >= precision) {
    const [mantissa, e] = value.toExponential(precision - 1).split("e");
    const m = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
    const sign = e.startsWith("-") ? "-" : "+";
    return `${m}e${sign}${e.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  const fixed = value.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
}

/** A double as protoc prints it (shortest of `%.15g` and `%.17g` that reads back exactly). */
function formatDouble(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  const short = gFormat(value, 15);
  return Number(short) === value ? short : gFormat(value, 17);
}

function isDefault(field: protobuf.Field, value: unknown): boolean {
  if (field.resolvedType instanceof protobuf.Type) return false;
  if (value instanceof Uint8Array) return value.length === 0;
  if (typeof value === "object" && value !== null) return fromInt64(value as Int64) === 0n;
  return value === 0 || value === "" || value === false;
}

function scalar(field: protobuf.Field, value: unknown): string {
  if (field.resolvedType instanceof protobuf.Enum) {
    return field.resolvedType.valuesById[value as number] ?? String(value);
  }
  switch (field.type) {
    case "string":
      return `"${cEscape(new TextEncoder().encode(value as string))}"`;
    case "bytes":
      return `"${cEscape(value as Uint8Array)}"`;
    case "double":
    case "float":
      return formatDouble(value as number);
    case "int64":
    case "sint64":
    case "sfixed64":
      return String(fromInt64(value as Int64));
    case "uint64":
    case "fixed64":
      return String(BigInt.asUintN(64, fromInt64(value as Int64)));
    default:
      return String(value);
  }
}

function printValue(field: protobuf.Field, name: string, value: unknown, indent: string): string {
  if (field.resolvedType instanceof protobuf.Type) {
    return `${indent}${snake(name)} {\n${
      printFields(value as Record<string, unknown>, field.resolvedType, `${indent}  `)
    }${indent}}\n`;
  }
  return `${indent}${snake(name)}: ${scalar(field, value)}\n`;
}

function printFields(
  message: Record<string, unknown>,
  type: protobuf.Type,
  indent: string,
): string {
  let out = "";
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  for (const field of fields) {
    field.resolve();
    const key = camel(field.name);
    if (!Object.hasOwn(message, key)) continue;
    const value = message[key];
    if (value === null || value === undefined) continue;
    if (field instanceof protobuf.MapField) {
      const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0
      );
      for (const [k, v] of entries) {
        const inner = `${indent}  `;
        const keyText = field.keyType === "string"
          ? `"${cEscape(new TextEncoder().encode(k))}"`
          : k;
        out += `${indent}${snake(field.name)} {\n${inner}key: ${keyText}\n${
          printValue(field, "value", v, inner)
        }${indent}}\n`;
      }
    } else if (field.repeated) {
      for (const item of value as unknown[]) out += printValue(field, field.name, item, indent);
    } else {
      if (!field.partOf && isDefault(field, value)) continue;
      out += printValue(field, field.name, value, indent);
    }
  }
  return out;
}

/**
 * Prints a decoded message in protobuf text format, as `protoc --decode=<typeName>` does.
 *
 * @example
 * ```ts ignore
 * printTextFormat(decodeLiteralMap(bytes), "flyteidl.core.LiteralMap");
 * ```
 */
export function printTextFormat(message: object, typeName: string): string {
  return printFields(message as Record<string, unknown>, flyteRoot().lookupType(typeName), "");
}

/** A fixture's text without its `#` comment lines. */
export function stripComments(text: string): string {
  return text.split("\n").filter((line) => !line.startsWith("#")).join("\n");
}

/** The message type a fixture names in its `# proto-message:` line. */
export function messageOf(text: string): string {
  const match = /^# proto-message: (\S+)$/m.exec(text);
  if (!match) throw new SyntaxError("Cannot find the fixture's proto-message line");
  return match[1];
}
