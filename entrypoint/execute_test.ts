import { tempDir } from "../_testing/temp.ts";
import { assertEquals, assertExists } from "@std/assert";
import { createExecutorRegistry, defineExecutor, lazyExecutor } from "../executors/mod.ts";
import {
  decodeErrorDocument,
  decodeLiteralMap,
  encodeLiteralMap,
  encodeTaskTemplate,
} from "../idl/mod.ts";
import { createStorage, type Storage } from "../storage/mod.ts";
import { parseExecuteArgs } from "./args.ts";
import { executeTask, NULL_LOGGER } from "./dispatch.ts";
import { runExecute } from "./execute.ts";
import { createSecrets } from "../secrets/mod.ts";

const STRING = { simple: 3 };
const hang = defineExecutor({
  id: "t.hang",
  taskTypes: ["hang"],
  parseConfig: () => ({}),
  execute: () => new Promise(() => {}), // never settles, ignores the signal
});
const upper = defineExecutor({
  id: "t.upper",
  taskTypes: ["upper"],
  parseConfig: () => ({}),
  execute: (_c, inputs) => Promise.resolve({ out: String(inputs.s).toUpperCase() }),
});
const registry = createExecutorRegistry([hang, upper]);

async function node(type: string) {
  const dir = await tempDir();
  await Deno.writeFile(
    `${dir}/task.pb`,
    encodeTaskTemplate({
      type,
      interface: {
        inputs: { variables: { s: { type: STRING } } },
        outputs: { variables: { out: { type: STRING } } },
      },
    }),
  );
  await Deno.writeFile(
    `${dir}/inputs.pb`,
    encodeLiteralMap({ literals: { s: { scalar: { primitive: { stringValue: "abc" } } } } }),
  );
  const args = parseExecuteArgs([
    "--inputs",
    `${dir}/inputs.pb`,
    "--output-prefix",
    `${dir}/out`,
    "--",
    `${dir}/task.pb`,
    `t.${type}`,
  ]);
  return { dir, args };
}

Deno.test("runExecute() an abort ends a run whose executor ignores the signal", async () => {
  const { dir, args } = await node("hang");
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException("received SIGTERM", "AbortError")), 50);
  const code = await runExecute(args, {
    env: {},
    registry,
    signal: controller.signal,
    logger: NULL_LOGGER,
  });
  assertEquals(code, 0);
  const doc = decodeErrorDocument(await Deno.readFile(`${dir}/out/error.pb`));
  assertEquals(doc.error?.code, "SYSTEM:Aborted");
});

Deno.test("runExecute() an abort while outputs.pb is written lets the commit finish", async () => {
  const { dir, args } = await node("upper");
  const controller = new AbortController();
  const inner = createStorage();
  const storage: Storage = {
    ...inner,
    async write(uri, data, options) {
      if (uri.endsWith("outputs.pb")) {
        controller.abort(new DOMException("received SIGTERM", "AbortError"));
        await new Promise((r) => setTimeout(r, 20));
      }
      return await inner.write(uri, data, options);
    },
  };
  const code = await runExecute(args, {
    env: {},
    registry,
    signal: controller.signal,
    storage,
    logger: NULL_LOGGER,
  });
  assertEquals(code, 0);
  const outputs = decodeLiteralMap(await Deno.readFile(`${dir}/out/outputs.pb`));
  assertEquals(outputs.literals?.out.scalar?.primitive?.stringValue, "ABC");
  assertEquals(await Deno.stat(`${dir}/out/error.pb`).then(() => true, () => false), false);
});

Deno.test("runExecute() raw output prefix defaults to <output prefix>/raw", async () => {
  const seen: string[] = [];
  const spy = defineExecutor({
    id: "t.spy",
    taskTypes: ["spy"],
    parseConfig: () => ({}),
    execute: (_c, _i, ctx) => {
      seen.push(ctx.rawOutputPrefix, ctx.newRawOutputUri(), ctx.workDir);
      return Promise.resolve({ out: "x" });
    },
  });
  const { dir, args } = await node("spy");
  const code = await runExecute(args, {
    env: {},
    registry: createExecutorRegistry([spy]),
    logger: NULL_LOGGER,
  });
  assertEquals(code, 0);
  assertEquals(seen[0], `${dir}/out/raw`);
  assertEquals(seen[1].startsWith(`${dir}/out/raw/`) && /\/[0-9a-f]{32}$/.test(seen[1]), true);
  // The scratch folder is removed after the run.
  assertEquals(await Deno.stat(seen[2]).then(() => true, () => false), false);
});

Deno.test("runExecute() loads the executor once, early, and reports a failed load", async () => {
  let loads = 0;
  const counted = lazyExecutor({ id: "t.upper", taskTypes: ["upper"] }, () => {
    loads++;
    return Promise.resolve(upper);
  });
  const ok = await node("upper");
  assertEquals(
    await runExecute(ok.args, {
      env: {},
      registry: createExecutorRegistry([counted]),
      logger: NULL_LOGGER,
    }),
    0,
  );
  assertEquals(loads, 1);
  assertExists(await Deno.stat(`${ok.dir}/out/outputs.pb`));

  let attempts = 0;
  const broken = lazyExecutor({ id: "t.upper", taskTypes: ["upper"] }, () => {
    attempts++;
    return Promise.reject(new Error("module not found"));
  });
  const bad = await node("upper");
  assertEquals(
    await runExecute(bad.args, {
      env: {},
      registry: createExecutorRegistry([broken]),
      logger: NULL_LOGGER,
    }),
    0,
  );
  // Resolving the task awaits the early load (or tries again once it has failed) and reports it.
  assertEquals(attempts >= 1 && attempts <= 2, true);
  const doc = decodeErrorDocument(await Deno.readFile(`${bad.dir}/out/error.pb`));
  assertEquals(doc.error?.code, "SYSTEM:ExecutorLoadFailed");
});

Deno.test("executeTask() runs a resolved task on a literal map (local runs)", async () => {
  const outputs = await executeTask(
    {
      template: {
        type: "upper",
        interface: {
          inputs: { variables: { s: { type: STRING } } },
          outputs: { variables: { out: { type: STRING } } },
        },
      },
      templateUri: "memory:",
      executor: upper as never,
    },
    { literals: { s: { scalar: { primitive: { stringValue: "local" } } } } },
    {
      storage: createStorage(),
      rawOutputPrefix: await tempDir(),
      secrets: createSecrets(),
    },
  );
  assertExists(outputs.literals?.out);
  assertEquals(outputs.literals.out.scalar?.primitive?.stringValue, "LOCAL");
});
