import { removing, tempDir, tempFile } from "../_testing/temp.ts";
import { assertEquals, assertRejects } from "@std/assert";
import { FlyteshimError, SystemError } from "../errors.ts";
import { createExecutorRegistry, defineExecutor, lazyExecutor } from "../executors/mod.ts";
import { encodeTaskTemplate } from "../idl/mod.ts";
import { createStorage } from "../storage/mod.ts";
import {
  FLYTEKIT_TEMPLATE_RESOLVER,
  FLYTESHIM_RESOLVER,
  readTaskTemplate,
  resolveTask,
} from "./mod.ts";

const noop = defineExecutor({
  id: "t.noop",
  taskTypes: ["noop"],
  aliases: ["pkg.module.NoopExecutor"],
  parseConfig: () => ({}),
  execute: () => Promise.resolve(),
});
const broken = lazyExecutor(
  { id: "t.broken", taskTypes: ["x"] },
  () => import("./no_such_module.ts"),
);
const registry = createExecutorRegistry([noop, broken]);
const storage = createStorage();

async function templateFile(): Promise<string> {
  const path = await tempFile({ suffix: ".pb" });
  await Deno.writeFile(path, encodeTaskTemplate({ type: "noop", id: { name: "t" } }));
  return path;
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await assertRejects(() => p, FlyteshimError);
  return (err as FlyteshimError).code;
}

Deno.test("resolveTask() both names, id and alias, absent resolver", async () => {
  const path = await templateFile();
  for (const resolver of [FLYTESHIM_RESOLVER, FLYTEKIT_TEMPLATE_RESOLVER, undefined]) {
    for (const id of ["t.noop", "pkg.module.NoopExecutor"]) {
      const task = await resolveTask(resolver, [path, id], { storage, registry });
      assertEquals([task.executor.id, task.template.type, task.templateUri], [
        "t.noop",
        "noop",
        path,
      ]);
    }
  }
  const fileUri = await resolveTask(FLYTESHIM_RESOLVER, [`file://${path}`, "t.noop"], {
    storage,
    registry,
  });
  assertEquals(fileUri.template.id?.name, "t");
});

Deno.test("resolveTask() failures are classified", async () => {
  const path = await templateFile();
  const opts = { storage, registry };
  assertEquals(
    await code(
      resolveTask(
        "flytekit.core.python_auto_container.default_task_resolver",
        [path, "t.noop"],
        opts,
      ),
    ),
    "USER:UnknownResolver",
  );
  assertEquals(await code(resolveTask(undefined, [path], opts)), "USER:InvalidResolverArgs");
  assertEquals(
    await code(resolveTask(undefined, ["{{.taskTemplatePath}}", "t.noop"], opts)),
    "USER:InvalidResolverArgs",
  );
  assertEquals(await code(resolveTask(undefined, [path, "nope"], opts)), "USER:ExecutorNotFound");
  assertEquals(
    await code(resolveTask(undefined, ["/no/such.pb", "t.noop"], opts)),
    "SYSTEM:TemplateNotFound",
  );
  const garbage = await tempFile();
  await Deno.writeFile(garbage, new Uint8Array([0x0a, 0xff, 0xff]));
  assertEquals(
    await code(resolveTask(undefined, [garbage, "t.noop"], opts)),
    "USER:InvalidTemplate",
  );
  const err = await assertRejects(
    () => resolveTask(undefined, [path, "t.broken"], opts),
    SystemError,
  );
  assertEquals([err.code, err.recoverable], ["SYSTEM:ExecutorLoadFailed", false]);
});

Deno.test("readTaskTemplate() a template file that is another message says what it looks like", async () => {
  const { encodeErrorDocument, encodeLiteralMap, toInt64, fitsMessage } = await import(
    "../idl/core.ts"
  );
  const { encodeTaskSpec } = await import("../idl/admin.ts");
  const dir = await tempDir({ prefix: "flyteshim-resolver-" });
  await using _dir = removing(dir);
  const load = async (bytes: Uint8Array) => {
    const path = `${dir}/task.pb`;
    await Deno.writeFile(path, bytes);
    const err = await assertRejects(() => readTaskTemplate(path, { storage }), FlyteshimError);
    assertEquals(err.code, "USER:InvalidTemplate");
    return err.message.slice(`Cannot load task template "${path}": `.length);
  };
  const notOne = "the file is not a binary flyteidl.core.TaskTemplate; ";
  const integer = { scalar: { primitive: { integer: toInt64(10) } } };
  assertEquals(
    await load(encodeLiteralMap({ literals: { limit: integer } })),
    `${notOne}it looks like a flyteidl.core.LiteralMap (an inputs.pb or outputs.pb)`,
  );
  assertEquals(
    await load(
      encodeErrorDocument({ error: { code: "USER:SqlError", message: "boom", kind: 1 } }),
    ),
    `${notOne}it looks like a flyteidl.core.ErrorDocument (an error.pb)`,
  );
  assertEquals(
    await load(encodeTaskSpec({ template: { type: "noop" } })),
    `${notOne}it looks like a registration flyteidl.admin.TaskSpec, which holds the task template in its field "template"`,
  );
  assertEquals(await load(new Uint8Array()), `${notOne}it is empty`);
  assertEquals(
    await load(encodeTaskTemplate({ id: { name: "t" } })),
    `${notOne}it decodes as one but has no task type`,
  );
  assertEquals(
    await load(new TextEncoder().encode("type: sqlite\n")),
    `${notOne}it looks like text (templates are binary protobuf)`,
  );
  assertEquals(
    await load(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0])),
    `${notOne}it looks like a zip archive`,
  );
  // A template from a newer flyteidl, with a field this one does not know, still loads.
  const newer = new Uint8Array([...encodeTaskTemplate({ type: "noop" }), 0xf8, 0x07, 0x01]);
  assertEquals(fitsMessage("flyteidl.core.TaskTemplate", newer), false);
  assertEquals((await readTaskTemplate(await write(dir, newer), { storage })).type, "noop");
  // flytekit's own bytes fit field for field.
  const flytekit = await Deno.readFile(
    new URL("../testdata/idl/flytekit-sqlite3/template.pb", import.meta.url),
  );
  assertEquals(fitsMessage("flyteidl.core.TaskTemplate", flytekit), true);
});

async function write(dir: string, bytes: Uint8Array): Promise<string> {
  const path = `${dir}/newer.pb`;
  await Deno.writeFile(path, bytes);
  return path;
}
