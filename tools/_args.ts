// The command-line options of the long-run tools (crash.ts, soak.ts, fuzz_template.ts): each
// option named by its default, a number option read as a number and refused when it is not one
// (`--runs 1O` would otherwise run NaN times and report nothing wrong).
import { parseArgs } from "node:util";

/** Option defaults by name: a number, a string, a boolean flag, or a list of strings. */
export type ToolOptions = Record<string, number | string | boolean | readonly string[]>;

/** The parsed options, typed as their defaults. */
export type ToolArgs<T extends ToolOptions> = {
  [K in keyof T]: T[K] extends number ? number
    : T[K] extends boolean ? boolean
    : T[K] extends readonly string[] ? string[]
    : string;
};

/**
 * Parses `args` against the defaults; a list option given none keeps its default list.
 *
 * @throws {TypeError} For an unknown option or a number option that is not a number.
 */
export function toolArgs<const T extends ToolOptions>(
  defaults: T,
  args: string[] = Deno.args,
): ToolArgs<T> {
  const options = Object.fromEntries(
    Object.entries(defaults).map(([name, value]) => [
      name,
      typeof value === "boolean"
        ? { type: "boolean" as const }
        : { type: "string" as const, multiple: Array.isArray(value) },
    ]),
  );
  const { values } = parseArgs({ args, options, strict: true });
  const parsed: Record<string, unknown> = {};
  for (const [name, fallback] of Object.entries(defaults)) {
    const given = values[name];
    if (given === undefined || (Array.isArray(given) && given.length === 0)) {
      parsed[name] = Array.isArray(fallback) ? [...fallback] : fallback;
    } else if (typeof fallback === "number") {
      const n = Number(given);
      if (typeof given !== "string" || given.trim() === "" || !Number.isFinite(n)) {
        throw new TypeError(`Cannot use --${name} "${given}": not a number`);
      }
      parsed[name] = n;
    } else parsed[name] = given;
  }
  return parsed as ToolArgs<T>;
}
