import { assertEquals } from "@std/assert";
import { BUILTIN_EXECUTORS } from "./builtin.ts";

// The registry answers from the lazy entries' metadata without loading the executors: it must be
// what the executors themselves declare.
for (const entry of BUILTIN_EXECUTORS) {
  Deno.test(`builtin entry "${entry.id}" describes the executor it loads`, async () => {
    const executor = await entry.load();
    assertEquals(
      [entry.id, entry.taskTypes, entry.aliases, entry.description],
      [executor.id, executor.taskTypes, executor.aliases ?? [], executor.description ?? ""],
    );
  });
}
