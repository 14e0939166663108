// The static module graph of an entry point, as `deno info --json` reports it: what loads when the
// entry is imported (static imports, followed transitively) and what it imports dynamically. The
// lazy-import tests use it to keep executors, storage backends and npm packages off start-up.

interface DenoInfo {
  roots: string[];
  modules: {
    specifier: string;
    dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
  }[];
  redirects: Record<string, string>;
}

/** The modules an entry point loads statically, and the specifiers it imports dynamically. */
export interface ModuleGraph {
  /** Every module reached through static imports, the entry included. */
  statics: string[];
  /** The targets of dynamic `import()`s met in those modules (not followed). */
  dynamics: string[];
}

const ROOT = new URL("../", import.meta.url);

/**
 * Walks the static import graph of `entry` (a path from the repository root, e.g.
 * `"entrypoint/main.ts"`). Local modules are named by their path from the repository root;
 * `npm:` and `node:` specifiers are kept as they are.
 */
export async function moduleGraph(entry: string): Promise<ModuleGraph> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(entry, ROOT).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `Cannot read the module graph of "${entry}": ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as DenoInfo;
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const statics = new Set<string>();
  const dynamics = new Set<string>();
  const queue = [...info.roots];
  while (queue.length) {
    const next = queue.shift()!;
    const specifier = info.redirects[next] ?? next;
    if (statics.has(specifier)) continue;
    statics.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (!dep.code) continue;
      if (dep.isDynamic) dynamics.add(dep.code.specifier);
      else queue.push(dep.code.specifier);
    }
  }
  const short = (s: string) => s.replace(ROOT.href, "");
  return { statics: [...statics].map(short), dynamics: [...dynamics].map(short) };
}

/**
 * The distinct npm package names among `specifiers` (`npm:/hyparquet@1.31.5/...` -> `hyparquet`).
 */
export function npmPackages(specifiers: Iterable<string>): string[] {
  return [
    ...new Set(
      [...specifiers].filter((s) => s.startsWith("npm:")).map((s) =>
        s.replace(/^npm:\/?(@?[^@]+)@.*$/, "$1")
      ),
    ),
  ];
}
