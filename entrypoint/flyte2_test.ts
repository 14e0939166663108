import { removing, tempDir } from "../_testing/temp.ts";
import { assertEquals, assertThrows } from "@std/assert";
import { customErrorCode, UserError } from "../errors.ts";
import { createExecutorRegistry, defineExecutor } from "../executors/mod.ts";
import {
  ContainerErrorKind,
  decodeErrorDocument,
  decodeLiteralMap,
  encodeLiteralMap,
  ErrorKind,
  SimpleType,
} from "../idl/core.ts";
import { encodeInlineTemplate, inlineLoaderArgs } from "../resolver/flyte2.ts";
import { parseCommand } from "./args.ts";
import { configFromEnv } from "./config.ts";
import { NULL_LOGGER } from "./dispatch.ts";
import { flyte2Identity, runFlyte2 } from "./flyte2.ts";
import { isFlyte2CommandLine, parseFlyte2Args } from "./flyte2_args.ts";
import { main } from "./mod.ts";

/** flyte-sdk's a0 args as the backend renders them (runName/actionName stay unrendered). */
function rendered(dir: string, loader: string[]): string[] {
  return [
    "a0",
    "--inputs",
    `${dir}/inputs.pb`,
    "--outputs-path",
    `${dir}/out`,
    "--version",
    "v1",
    "--raw-data-path",
    `${dir}/out`,
    "--checkpoint-path",
    `${dir}/out/_flytecheckpoints`,
    "--prev-checkpoint",
    '""',
    "--run-name",
    "{{.runName}}",
    "--name",
    "{{.actionName}}",
    "--run-start-time",
    "2026-12-06T21:00:00Z",
    "--resolver",
    "flyteshim.resolver",
    ...loader,
  ];
}

Deno.test("isFlyte2CommandLine() recognises a0 as first argument, program name, or by --outputs-path", () => {
  const a = parseCommand(["a0", "-i", "i.pb", "-o", "out"]);
  assertEquals(a.command === "a0" && a.args.outputsPath, "out");
  const b = parseCommand(["--inputs", "i.pb", "--outputs-path", "out"]);
  assertEquals(b.command, "a0");
  const c = parseCommand(["--inputs", "i.pb", "-o", "out"], { programName: "/usr/local/bin/a0" });
  assertEquals(c.command, "a0");
  const d = parseCommand(["--inputs", "i.pb", "--output-prefix", "out"]);
  assertEquals(d.command, "execute");
  assertEquals(parseCommand(["a0", "--help"]), { command: "help", topic: "a0" });
  assertEquals(isFlyte2CommandLine(["--inputs", "i", "--", "-o"]), false);
});

Deno.test('parseFlyte2Args() takes the superset of options; placeholders, empty values and "" are absent', () => {
  const args = parseFlyte2Args([
    "-i",
    "s3://b/inputs.pb",
    "--output-prefix=s3://b/out",
    "-v",
    "v1",
    "--raw-output-data-prefix",
    "{{.rawOutputDataPrefix}}",
    "-c",
    "",
    "-p",
    '""',
    "--run-name",
    "{{ .runName }}",
    "--name",
    "{{.actionName}}",
    "--debug",
    "false",
    "--interactive-mode",
    "False",
    "--image-cache",
    "abc",
    "--tgz",
    "s3://b/code.tgz",
    "--dest",
    ".",
    "--project",
    "p",
    "--domain",
    "d",
    "--org",
    "o",
    "--run-start-time",
    "{{.runStartTime}}",
    "--test",
    "--resolver",
    "flyteshim.resolver",
    "executor",
    "x",
    "--",
    "template",
    "-starts-with-a-dash",
  ]);
  assertEquals(args.outputsPath, "s3://b/out");
  assertEquals(
    [args.rawDataPath, args.checkpointPath, args.prevCheckpoint, args.runName, args.name],
    [undefined, undefined, undefined, undefined, undefined],
  );
  assertEquals([args.project, args.domain, args.org, args.version], ["p", "d", "o", "v1"]);
  assertEquals([args.codeBundle, args.test, args.runStartTime], [
    "s3://b/code.tgz",
    true,
    undefined,
  ]);
  assertEquals(args.resolverArgs, ["executor", "x", "template", "-starts-with-a-dash"]);
});

Deno.test("parseFlyte2Args() refuses bad a0 command lines as USER:InvalidArguments", () => {
  const cases: [string[], string][] = [
    [["-i", "i.pb"], '"--outputs-path" (or "_U_RUN_BASE" and "ACTION_NAME")'],
    [["-o", "out"], '"--inputs"'],
    [["-i", "i.pb", "-o", "out", "--bogus", "x"], 'unknown option "--bogus"'],
    [["-i", "i.pb", "-o"], 'option "-o" needs a value'],
    [["-i", "i.pb", "-o", "--name"], 'option "-o" needs a value'],
    [["-i", "i.pb", "-o", "out", "--test=yes"], 'option "--test" does not take a value'],
    [["-inputs", "i.pb", "-o", "out"], 'unknown option "-inputs"'],
  ];
  for (const [argv, message] of cases) {
    const error = assertThrows(() => parseFlyte2Args(argv), UserError, message);
    assertEquals(error.code, "USER:InvalidArguments");
  }
});

Deno.test("parseFlyte2Args() falls back to _U_RUN_BASE/ACTION_NAME for the output path", () => {
  const env = { _U_RUN_BASE: "s3://b/run/", ACTION_NAME: "a1" };
  assertEquals(parseFlyte2Args(["-i", "i"], { env }).outputsPath, "s3://b/run/a1");
  const args = parseFlyte2Args(["-i", "i", "--run-base-dir", "/r", "--name", "a2"], { env });
  assertEquals(args.outputsPath, "/r/a2");
});

Deno.test("flyte2Identity() identity comes from the Flyte 2 variables, with Flyte 1's beside them", () => {
  const env = {
    RUN_NAME: "rabc",
    ACTION_NAME: "a0",
    _U_RUN_BASE: "s3://b/run",
    _U_ORG_NAME: "local",
    FLYTE_INTERNAL_EXECUTION_ID: "rabc",
    FLYTE_INTERNAL_TASK_PROJECT: "tp",
    FLYTE_INTERNAL_TASK_DOMAIN: "td",
    FLYTE_ATTEMPT_NUMBER: "1",
  };
  const args = parseFlyte2Args(["-i", "i", "--run-name", "{{.runName}}"], { env });
  const identity = flyte2Identity(configFromEnv(env).execution, args, env);
  assertEquals(
    [identity.name, identity.action, identity.org, identity.project, identity.domain],
    ["rabc", "a0", "local", "tp", "td"],
  );
  assertEquals(identity.attempt, 1);
  const explicit = parseFlyte2Args(["-i", "i", "--project", "p", "--org", "o", "--name", "n"], {
    env,
  });
  const own = flyte2Identity(configFromEnv(env).execution, explicit, env);
  assertEquals([own.project, own.org, own.action], ["p", "o", "n"]);
});

const INTEGER = { simple: SimpleType.INTEGER };
const double = defineExecutor({
  id: "example.double",
  taskTypes: ["double"],
  parseConfig: (custom) => ({ fail: custom.fail === true }),
  execute: (config, inputs, ctx) => {
    if (config.fail) {
      throw new UserError(`Cannot double for "${ctx.execution.action}"`, {
        code: customErrorCode("USER:Nope"),
      });
    }
    return Promise.resolve({ y: (inputs.x as bigint) * 2n });
  },
});
const registry = createExecutorRegistry([double]);

async function doubleLoader(fail = false): Promise<string[]> {
  return inlineLoaderArgs(
    "example.double",
    await encodeInlineTemplate({
      type: "double",
      custom: { fields: { fail: { boolValue: fail } } },
      interface: {
        inputs: { variables: { x: { type: INTEGER } } },
        outputs: { variables: { y: { type: INTEGER } } },
      },
    }),
  );
}

Deno.test("main() runs a0 and writes outputs.pb", async () => {
  const dir = await tempDir();
  await using _dir = removing(dir);
  await Deno.writeFile(
    `${dir}/inputs.pb`,
    encodeLiteralMap({ literals: { x: { scalar: { primitive: { integer: 21 } } } } }),
  );
  const code = await main(rendered(dir, await doubleLoader()), {
    registry,
    env: { RUN_NAME: "r1", ACTION_NAME: "a0" },
    logger: NULL_LOGGER,
    handleSignals: false,
  });
  assertEquals(code, 0);
  const outputs = decodeLiteralMap(await Deno.readFile(`${dir}/out/outputs.pb`));
  assertEquals(Number(outputs.literals?.y.scalar?.primitive?.integer), 42);
});

Deno.test("main() writes a Flyte 2 error.pb on a failure and exits 0, even with FLYTE_FAIL_ON_ERROR", async () => {
  const dir = await tempDir();
  await using _dir = removing(dir);
  await Deno.writeFile(
    `${dir}/inputs.pb`,
    encodeLiteralMap({ literals: { x: { scalar: { primitive: { integer: 1 } } } } }),
  );
  const env = { ACTION_NAME: "a7", FLYTE_FAIL_ON_ERROR: "true", _F_DES: "all", _F_WN: "w" };
  const code = await main(rendered(dir, await doubleLoader(true)), {
    registry,
    env,
    logger: NULL_LOGGER,
    handleSignals: false,
  });
  assertEquals(code, 0);
  const entries = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name);
  assertEquals(entries, ["error.pb"]);
  const bytes = await Deno.readFile(`${dir}/out/error.pb`);
  const doc = decodeErrorDocument(bytes);
  assertEquals(doc.error?.code, "USER:Nope");
  assertEquals(doc.error?.message, 'Cannot double for "a7"');
  assertEquals(doc.error?.kind, ContainerErrorKind.NON_RECOVERABLE);
  assertEquals(doc.error?.origin, ErrorKind.USER);
  // Fields 1-4 only: no timestamp (5), no worker (6).
  assertEquals([doc.error?.timestamp, doc.error?.worker], [null, ""]);
});

Deno.test("main() reports a bad a0 command line in <_U_RUN_BASE>/<ACTION_NAME>/error.pb", async () => {
  const dir = await tempDir();
  await using _dir = removing(dir);
  const code = await main(["a0", "--inputs", `${dir}/i.pb`, "--bogus"], {
    registry,
    env: { _U_RUN_BASE: dir, ACTION_NAME: "a3" },
    logger: NULL_LOGGER,
    handleSignals: false,
  });
  assertEquals(code, 0);
  const doc = decodeErrorDocument(await Deno.readFile(`${dir}/a3/error.pb`));
  assertEquals(doc.error?.code, "USER:InvalidArguments");
  assertEquals(doc.error?.timestamp, null);
});

Deno.test("main() started as a0 (a program name read lazily) reports a bad command line in error.pb", async () => {
  // The binary passes its name as a function; the name alone says Flyte 2 here, as the arguments
  // have no --outputs-path.
  const dir = await tempDir();
  await using _dir = removing(dir);
  const code = await main(["--inputs", `${dir}/i.pb`, "--bogus"], {
    registry,
    env: { _U_RUN_BASE: dir, ACTION_NAME: "a4" },
    programName: () => "/usr/local/bin/a0",
    logger: NULL_LOGGER,
    handleSignals: false,
  });
  assertEquals(code, 0);
  const doc = decodeErrorDocument(await Deno.readFile(`${dir}/a4/error.pb`));
  assertEquals(doc.error?.code, "USER:InvalidArguments");
});

Deno.test("runFlyte2() a Flyte 1 template URI on Flyte 2 is refused with a hint", async () => {
  const dir = await tempDir();
  await using _dir = removing(dir);
  const args = parseFlyte2Args(
    rendered(dir, ["inline://taskTemplate", "example.double"]).slice(1),
  );
  assertEquals(await runFlyte2(args, { env: {}, registry, logger: NULL_LOGGER }), 0);
  const doc = decodeErrorDocument(await Deno.readFile(`${dir}/out/error.pb`));
  assertEquals(doc.error?.code, "USER:InvalidResolverArgs");
  assertEquals(doc.error?.message?.includes("--flyte2"), true);
});
