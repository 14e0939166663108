// The option syntax of the runtime's commands (`execute`, `a0`), read by a small scanner of its
// own rather than node:util's parseArgs: importing any node: module costs about 6 ms of start-up
// (Deno sets up its Node compatibility layer), a fifth of a whole task run.
import { UserError } from "../errors.ts";

/** What an option takes: a value, or nothing (a flag). */
export type OptionKind = "string" | "boolean";

/** The options and positionals of a command line, in the order given. */
export interface ScannedOptions {
  /** Each option given, by name (without dashes), with its value or `true` for a flag. */
  options: [name: string, value: string | true][];
  /** The other arguments, and all those after `--`. */
  positionals: string[];
}

/** The error of a command line that does not parse. */
export function argumentsError(detail: string): UserError {
  return new UserError(`Cannot parse arguments: ${detail}`, { code: "USER:InvalidArguments" });
}

/**
 * Scans GNU-style options as node:util's `parseArgs` reads them in strict mode: `--name value`,
 * `--name=value`, `--flag`, and `-n value` for a one-letter name; positionals anywhere, and
 * everything after `--`. A value given as the next argument may not start with `--`.
 *
 * @throws {UserError} With code `USER:InvalidArguments` on an option not in `kinds`, a missing
 * value, or a value given to a flag.
 */
export function scanOptions(
  argv: readonly string[],
  kinds: Readonly<Record<string, OptionKind>>,
): ScannedOptions {
  const options: [string, string | true][] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const eq = long ? arg.indexOf("=") : -1;
    const spelled = eq < 0 ? arg : arg.slice(0, eq);
    const name = long ? spelled.slice(2) : arg.length === 2 ? arg.slice(1) : "";
    const kind = Object.hasOwn(kinds, name) ? kinds[name] : undefined;
    if (!kind) throw argumentsError(`unknown option "${arg.split("=")[0]}"`);
    if (kind === "boolean") {
      if (eq >= 0) throw argumentsError(`option "${spelled}" does not take a value`);
      options.push([name, true]);
    } else if (eq >= 0) {
      options.push([name, arg.slice(eq + 1)]);
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) {
        throw argumentsError(`option "${spelled}" needs a value`);
      }
      options.push([name, value]);
      i++;
    }
  }
  return { options, positionals };
}
