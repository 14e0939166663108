// Start-up time is the product's advantage: importing the type engine must not load the msgpack
// library (or any npm package); it is imported only when a msgpack literal is met.
import { assert, assertEquals } from "@std/assert";

interface Dependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}

Deno.test("types/mod.ts statically imports no npm package", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL("./mod.ts", import.meta.url).pathname],
    stdout: "piped",
  }).output();
  assert(out.success, "deno info failed");
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
    const specifier = info.redirects[queue[0]] ?? queue[0];
    queue.shift();
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (!dep.code) continue;
      if (dep.isDynamic) dynamic.add(dep.code.specifier);
      else queue.push(dep.code.specifier);
    }
  }
  const npm = [...seen].filter((s) => s.startsWith("npm:")).map((s) =>
    s.replace(/^npm:\/?(@?[^@]+)@.*$/, "$1")
  );
  // protobufjs comes as the ES module bundled into idl/gen/.
  assertEquals([...new Set(npm)], []);
  assert([...dynamic].some((s) => s.includes("msgpack")), "msgpack should be a dynamic import");
});
