// The `describe` command: what a build of flyteshim contains (for checking an image).
import type { ExecutorRegistry } from "../executors/mod.ts";
import { RESOLVERS } from "../resolver/mod.ts";

/** What `describe` reports, also printed as JSON with `--json`. */
export interface Description {
  /** flyteshim's version. */
  version: string;
  /** The resolvers the `execute` command answers to. */
  resolvers: readonly string[];
  /** The registered executors, in registration order. */
  executors: {
    id: string;
    taskTypes: readonly string[];
    aliases: readonly string[];
    description: string;
  }[];
}

/**
 * Describes the executors of a registry (without loading them) and the resolvers.
 *
 * @example The built-in executors
 * ```ts
 * import { describeRegistry } from "./describe.ts";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { BUILTIN_EXECUTORS } from "@flyteshim/flyteshim/executors/builtin";
 * import { assertEquals } from "@std/assert";
 *
 * const d = describeRegistry(createExecutorRegistry(BUILTIN_EXECUTORS), "0.1.0");
 * assertEquals(d.executors.map((e) => e.id).slice(0, 2), ["flyteshim.sqlite3", "flyteshim.sql"]);
 * ```
 *
 * @example An empty registry
 * ```ts
 * import { describeRegistry, type Description } from "./describe.ts";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const d: Description = describeRegistry(createExecutorRegistry([]), "1.2.3");
 * assertEquals([d.version, d.executors, d.resolvers.length], ["1.2.3", [], 2]);
 * ```
 */
export function describeRegistry(registry: ExecutorRegistry, version: string): Description {
  return {
    version,
    resolvers: RESOLVERS,
    executors: registry.entries().map((e) => ({
      id: e.id,
      taskTypes: e.taskTypes,
      aliases: e.aliases,
      description: e.description,
    })),
  };
}

/**
 * Renders a {@linkcode Description} as text for a terminal.
 *
 * @example Text for a terminal
 * ```ts
 * import { formatDescription } from "./describe.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const text = formatDescription({
 *   version: "1.0.0",
 *   resolvers: ["flyteshim.resolver"],
 *   executors: [],
 * });
 * assertStringIncludes(text, "flyteshim 1.0.0");
 * ```
 */
export function formatDescription(d: Description): string {
  const lines = [`flyteshim ${d.version}`, "", "Resolvers:", ...d.resolvers.map((r) => `  ${r}`)];
  lines.push("", "Executors:");
  for (const e of d.executors) {
    lines.push(`  ${e.id}`);
    if (e.description) lines.push(`    ${e.description}`);
    lines.push(`    task types: ${e.taskTypes.join(", ") || "-"}`);
    if (e.aliases.length) lines.push(`    aliases:    ${e.aliases.join(", ")}`);
  }
  return lines.join("\n");
}
