// The SDK surface stays light to import: no npm package but protobufjs and no Node.js built-in
// module in the static graph of `mod.ts`; the parquet reader and gzip load only when used.
import { assert, assertEquals } from "@std/assert";
import { moduleGraph, npmPackages } from "../_testing/module_graph.ts";

for (const entry of ["mod.ts", "task/mod.ts"]) {
  Deno.test(`${entry} imports no npm package but protobufjs and no Node.js module`, async () => {
    const { statics, dynamics } = await moduleGraph(entry);
    // protobufjs at most (the flyteidl runtime may be vendored instead).
    assertEquals(npmPackages(statics).filter((name) => name !== "protobufjs"), []);
    assertEquals(statics.filter((s) => s.startsWith("node:")), []);
    assert(dynamics.some((s) => s.includes("hyparquet")), "hyparquet should be dynamic");
    assert(dynamics.includes("node:zlib"), "node:zlib should be dynamic");
  });
}
