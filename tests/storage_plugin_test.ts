// Storage backends plug in: a third party's backend (_testing/mounted_backend.ts) passes the same
// conformance suite as the built-in ones, replaces a built-in scheme, and serves a whole execute
// run through a third-party entrypoint (_testing/plugged_main.ts). Every built-in scheme has a
// conformance run somewhere in tests/.
import { removing } from "../_testing/temp.ts";
import { assertEquals, assertThrows } from "@std/assert";
import { BUILTIN_BACKENDS, createStorage } from "../storage/mod.ts";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  jsonToStruct,
  structToJson,
  type TaskTemplate,
} from "../idl/mod.ts";
import { denoProgram, runPropeller } from "../_testing/propeller.ts";
import { storageConformance } from "../_testing/storage_conformance.ts";
import { FIXTURE_DIR, TEMPLATE_DIR } from "../_testing/sqlite3.ts";

const mounted = () => import("../_testing/mounted_backend.ts");

async function fixtureTemplate(databaseUri: string): Promise<TaskTemplate> {
  const template = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  const custom = structToJson(template.custom!) as Record<string, unknown>;
  // deno-lint-ignore no-explicit-any
  template.custom = jsonToStruct({ ...custom, uri: databaseUri } as any);
  return template;
}

Deno.test("storage plugin: an added backend passes the conformance suite", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "mnt-" });
  await using _root = removing(root);
  let n = 0;
  await storageConformance(t, {
    storage: createStorage({ backends: { mnt: mounted }, env: { FLYTESHIM_TEST_MOUNT: root } }),
    prefix: () => `mnt://case${n++}`,
  });
});

Deno.test("storage plugin: an added backend replaces a built-in one, and bad entries are refused", async () => {
  const root = await Deno.makeTempDir({ prefix: "mnt-" });
  await using _root = removing(root);
  let loads = 0;
  const storage = createStorage({
    backends: {
      gs: async () => {
        loads++;
        const module = await mounted();
        return { createBackend: (o) => module.createBackend(o) };
      },
    },
    env: { FLYTESHIM_TEST_MOUNT: root },
  });
  // The mounted backend strips "mnt://" only: a gs:// URI lands below the root as is.
  await storage.write("gs://b/k.txt", new TextEncoder().encode("x"));
  assertEquals(await Deno.readTextFile(`${root}/gs://b/k.txt`), "x");
  assertEquals(await storage.exists("gs://b/k.txt"), true);
  assertEquals(loads, 1);
  assertThrows(
    () => createStorage({ backends: { "GS:": mounted } }),
    TypeError,
    "expected a lower-case scheme",
  );
});

Deno.test("storage plugin: a third-party entrypoint runs flytekit's SQLite3 task with every prefix on its backend", async () => {
  const root = await Deno.makeTempDir({ prefix: "mnt-" });
  await using _root = removing(root);
  const env = { FLYTESHIM_TEST_MOUNT: root };
  const run = await runPropeller({
    template: await fixtureTemplate(`${FIXTURE_DIR}chinook-mini.db`),
    inputs: decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`)),
    root: "mnt://flyte",
    storage: createStorage({ backends: { mnt: mounted }, env }),
    env,
    program: denoProgram("_testing/plugged_main.ts"),
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["outputs.pb"], run.error?.message ?? run.stderr);
  const uri = run.outputs!.literals!.results.scalar!.structuredDataset!.uri!;
  assertEquals(uri.startsWith("mnt://flyte/data/"), true, uri);
  assertEquals((await Deno.stat(`${root}/${uri.slice(6)}/00000`)).isFile, true);
});

Deno.test("storage plugin: every built-in scheme runs the conformance suite in tests/", async () => {
  const dir = new URL(".", import.meta.url);
  let text = "";
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith("_test.ts")) continue;
    const source = await Deno.readTextFile(new URL(entry.name, dir));
    if (source.includes("storageConformance(")) text += source;
  }
  const covered = (scheme: string) =>
    scheme === "file" ? text.includes("createStorage()") : text.includes(`${scheme}://`);
  for (const scheme of Object.keys(BUILTIN_BACKENDS)) {
    assertEquals(covered(scheme), true, `no conformance run for ${scheme}://`);
  }
});
