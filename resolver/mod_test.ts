import { assertEquals, assertRejects } from "@std/assert";
import { FlyteshimError, SystemError } from "../errors.ts";
import { createExecutorRegistry, defineExecutor, lazyExecutor } from "../executors/mod.ts";
import { encodeTaskTemplate } from "../idl/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { FLYTEKIT_TEMPLATE_RESOLVER, FLYTESHIM_RESOLVER, resolveTask } from "./mod.ts";

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
  const path = await Deno.makeTempFile({ suffix: ".pb" });
  await Deno.writeFile(path, encodeTaskTemplate({ type: "noop", id: { name: "t" } }));
  return path;
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await assertRejects(() => p, FlyteshimError);
  return (err as FlyteshimError).code;
}

Deno.test("resolver: both names, id and alias, absent resolver", async () => {
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

Deno.test("resolver: failures are classified", async () => {
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
  const garbage = await Deno.makeTempFile();
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
