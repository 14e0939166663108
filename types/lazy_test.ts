// Start-up time is the product's advantage: importing the type engine must not load the msgpack
// library (or any npm package); it is imported only when a msgpack literal is met.
import { assert, assertEquals } from "@std/assert";
import { moduleGraph, npmPackages } from "../_testing/module_graph.ts";

Deno.test("types/mod.ts statically imports no npm package", async () => {
  const { statics, dynamics } = await moduleGraph("types/mod.ts");
  // protobufjs comes as the ES module bundled into idl/gen/.
  assertEquals(npmPackages(statics), []);
  assert(dynamics.some((s) => s.includes("msgpack")), "msgpack should be a dynamic import");
});
