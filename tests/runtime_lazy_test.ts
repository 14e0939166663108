// Start-up time is the product's advantage: the program's static import graph holds no executor,
// no storage backend but local files, and no npm package (protobufjs is bundled into idl/gen/);
// everything else is
// imported when a run needs it.
import { assert, assertEquals } from "@std/assert";

interface Dependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}

async function staticGraph(entry: string): Promise<{ modules: string[]; dynamic: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(`../${entry}`, import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: { specifier: string; dependencies?: Dependency[] }[];
    redirects: Record<string, string>;
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const dynamic = new Set<string>();
  const queue = [...info.roots];
  while (queue.length) {
    const next = queue.shift()!;
    const specifier = info.redirects[next] ?? next;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (!dep.code) continue;
      if (dep.isDynamic) dynamic.add(dep.code.specifier);
      else queue.push(dep.code.specifier);
    }
  }
  const root = new URL("../", import.meta.url).href;
  const short = (s: string) => s.replace(root, "");
  return { modules: [...seen].map(short), dynamic: [...dynamic].map(short) };
}

Deno.test("entrypoint/main.ts imports executors, backends and npm packages lazily", async () => {
  const { modules, dynamic } = await staticGraph("entrypoint/main.ts");
  const npm = new Set(
    modules.filter((s) => s.startsWith("npm:")).map((s) =>
      s.replace(/^npm:\/?(@?[^@]+)@.*$/, "$1")
    ),
  );
  // protobufjs comes as the ES module bundled into idl/gen/ (no CommonJS loading at start-up).
  assertEquals([...npm], []);
  for (
    const lazy of [
      "executors/sqlite3/mod.ts",
      "executors/sql/mod.ts",
      "storage/s3.ts",
      "storage/http.ts",
      "storage/file.ts",
    ]
  ) {
    assertEquals(modules.includes(lazy), false, `${lazy} is imported statically`);
  }
  for (const lazy of ["executors/sqlite3/mod.ts", "executors/sql/mod.ts", "storage/s3.ts"]) {
    assert(dynamic.includes(lazy), `${lazy} is not imported dynamically: ${dynamic.join(", ")}`);
  }
});
