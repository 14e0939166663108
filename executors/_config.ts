// Shared by the executors' parsers of `TaskTemplate.custom`: how a wrong value is described and
// reported, so that every executor words a config mistake the same way.
import { UserError } from "../errors.ts";
import type { JsonValue } from "../idl/mod.ts";

/** A `USER:InvalidConfig` error: `Cannot read <what>: <detail>`. */
export function configError(what: string, detail: string): UserError {
  return new UserError(`Cannot read ${what}: ${detail}`, { code: "USER:InvalidConfig" });
}

/** How a JSON value is named in an error: `missing`, `null`, `a list`, `a string`, ... */
export function jsonKind(value: JsonValue | undefined): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
