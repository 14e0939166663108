// Start-up time is the product's advantage: the program's static import graph holds no executor,
// no storage backend but local files, and no npm package (protobufjs is bundled into idl/gen/);
// everything else is imported when a run needs it.
import { assert, assertEquals } from "@std/assert";
import { moduleGraph, npmPackages } from "../_testing/module_graph.ts";

Deno.test("lazy imports: entrypoint/main.ts imports executors, backends and npm packages lazily", async () => {
  const { statics, dynamics } = await moduleGraph("entrypoint/main.ts");
  // protobufjs comes as the ES module bundled into idl/gen/ (no CommonJS loading at start-up).
  assertEquals(npmPackages(statics), []);
  // Loaded when a run needs them.
  const dynamic = [
    "executors/sqlite3/mod.ts",
    "executors/sql/mod.ts",
    "executors/openai/mod.ts",
    "executors/command/mod.ts",
    "storage/s3.ts",
    "storage/gcs.ts",
    "storage/azure.ts",
    // Only a run with checkpoints, an array task's element, Flyte 2's a0 and a remote run's
    // abort watchdog need these.
    "entrypoint/checkpoint.ts",
    "entrypoint/array.ts",
    "entrypoint/flyte2.ts",
    "entrypoint/abort_watchdog.ts",
  ];
  for (const lazy of [...dynamic, "storage/http.ts", "storage/file.ts"]) {
    assertEquals(statics.includes(lazy), false, `${lazy} is imported statically`);
  }
  for (const lazy of dynamic) {
    assert(dynamics.includes(lazy), `${lazy} is not imported dynamically: ${dynamics.join(", ")}`);
  }
});
