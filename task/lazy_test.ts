// The SDK surface stays light to import: no npm package but protobufjs and no Node.js built-in
// module in the static graph of `mod.ts`; the parquet reader and gzip load only when used.
import { assert, assertEquals } from "@std/assert";

interface Info {
  roots: string[];
  modules: {
    specifier: string;
    dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
  }[];
  redirects: Record<string, string>;
}

async function graph(path: string): Promise<{ statics: Set<string>; dynamics: Set<string> }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(path, import.meta.url).pathname],
    stdout: "piped",
  }).output();
  assert(out.success, "deno info failed");
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as Info;
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const statics = new Set<string>();
  const dynamics = new Set<string>();
  const queue = [...info.roots];
  while (queue.length) {
    const first = queue.shift()!;
    const specifier = info.redirects[first] ?? first;
    if (statics.has(specifier)) continue;
    statics.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (!dep.code) continue;
      if (dep.isDynamic) dynamics.add(dep.code.specifier);
      else queue.push(dep.code.specifier);
    }
  }
  return { statics, dynamics };
}

function npmPackages(specifiers: Iterable<string>): string[] {
  return [
    ...new Set(
      [...specifiers].filter((s) => s.startsWith("npm:")).map((s) =>
        s.replace(/^npm:\/?(@?[^@]+)@.*$/, "$1")
      ),
    ),
  ];
}

for (const root of ["../mod.ts", "./mod.ts"]) {
  Deno.test(`${root} imports no npm package but protobufjs and no Node.js module`, async () => {
    const { statics, dynamics } = await graph(root);
    // protobufjs at most (the flyteidl runtime may be vendored instead).
    assertEquals(npmPackages(statics).filter((name) => name !== "protobufjs"), []);
    assertEquals([...statics].filter((s) => s.startsWith("node:")), []);
    assert([...dynamics].some((s) => s.includes("hyparquet")), "hyparquet should be dynamic");
    assert([...dynamics].includes("node:zlib"), "node:zlib should be dynamic");
  });
}
