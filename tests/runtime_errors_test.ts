// The runtime's failure paths through the propeller harness: every error class and exit code.
import { tempDir, tempFile } from "../_testing/temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { flyteidl } from "../idl/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { runPropeller } from "../_testing/propeller.ts";
import { TEST_PROGRAM, testTemplate } from "../_testing/runtime_fixtures.ts";

const { RECOVERABLE, NON_RECOVERABLE } = flyteidl.core.ContainerError.Kind;
const { USER, SYSTEM } = flyteidl.core.ExecutionError.ErrorKind;

type Expect = [code: string, kind: number, origin: number];

async function failWith(kind: string, env: Record<string, string> = {}) {
  return await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("fail", "tests.fail", {
      custom: { kind },
      outputs: { n: Types.integer.literalType },
    }),
    env,
  });
}

function assertError(
  run: Awaited<ReturnType<typeof runPropeller>>,
  [code, kind, origin]: Expect,
  exit = 0,
) {
  assertEquals(run.code, exit, run.stderr);
  assert(run.error, `no error document; files: ${run.files.join(", ")}\n${run.stderr}`);
  assertEquals(
    [run.error.code, run.error.kind, run.error.origin],
    [code, kind, origin],
    run.error.message ?? "",
  );
  assertEquals(
    run.files.includes("outputs.pb"),
    false,
    "outputs.pb must not exist after a failure",
  );
  assert(run.error.timestamp?.seconds, "timestamp");
}

Deno.test("errors: an executor's user error is USER, non-recoverable, with its message", async () => {
  const run = await failWith("user");
  assertError(run, ["USER:SqlError", NON_RECOVERABLE, USER]);
  assertEquals(run.error!.message, "Cannot run query: no such table: trackz");
  assertEquals(run.errorFile, "error.pb");
  // One log line per event, on stderr for failures.
  const failed = run.stderr.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(failed.some((l) => l.message === "Task failed" && l.code === "USER:SqlError"), true);
});

Deno.test("errors: an executor may mark a user error recoverable", async () => {
  assertError(await failWith("recoverable-user"), ["USER:Busy", RECOVERABLE, USER]);
});

Deno.test("errors: system and storage errors are SYSTEM, recoverable", async () => {
  assertError(await failWith("system"), ["SYSTEM:ConnectionLost", RECOVERABLE, SYSTEM]);
  const storage = await failWith("storage");
  assertError(storage, ["SYSTEM:StorageError", RECOVERABLE, SYSTEM]);
  assertEquals(
    storage.error!.message,
    'Cannot read "s3://bucket/db.sqlite": connection reset by peer',
  );
});

Deno.test("errors: an unexpected failure is SYSTEM:Unknown, recoverable, with the stack", async () => {
  const run = await failWith("internal");
  assertError(run, ["SYSTEM:Unknown", RECOVERABLE, SYSTEM]);
  assertStringIncludes(run.error!.message!, "TypeError");
  assertStringIncludes(run.error!.message!, "Stack:");
  assertStringIncludes(run.error!.message!, "_testing/executors.ts");
  assertError(await failWith("string-throw"), ["SYSTEM:Unknown", RECOVERABLE, SYSTEM]);
});

Deno.test("errors: an error nobody catches ends the run with error.pb, not a crash", async () => {
  const rejection = await failWith("unhandled-rejection");
  assertError(rejection, ["USER:Background", NON_RECOVERABLE, USER]);
  const timer = await failWith("timer-throw");
  assertError(timer, ["SYSTEM:Unknown", RECOVERABLE, SYSTEM]);
  assertStringIncludes(timer.error!.message!, "Timer callback failed");
});

Deno.test("errors: outputs that do not fit the interface are SYSTEM:InvalidOutput, non-recoverable", async () => {
  const run = await failWith("bad-output");
  assertError(run, ["SYSTEM:InvalidOutput", NON_RECOVERABLE, SYSTEM]);
  assertStringIncludes(run.error!.message!, 'output "n"');
});

Deno.test("errors: bad custom config is USER:InvalidConfig", async () => {
  const run = await failWith("nonsense");
  assertError(run, ["USER:InvalidConfig", NON_RECOVERABLE, USER]);
  assertStringIncludes(run.error!.message!, '"kind"');
});

Deno.test("errors: an input of the wrong kind is USER:InvalidInput naming the variable", async () => {
  const run = await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("echo", "tests.echo", { inputs: { limit: Types.integer.literalType } }),
    inputs: await valuesToLiteralMap({ limit: "ten" }, { limit: Types.string }),
  });
  assertError(run, ["USER:InvalidInput", NON_RECOVERABLE, USER]);
  assertStringIncludes(run.error!.message!, '"limit"');
});

Deno.test("errors: a missing inputs.pb for a task with inputs is SYSTEM:InputsNotFound", async () => {
  const run = await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("echo", "tests.echo", { inputs: { limit: Types.integer.literalType } }),
    inputs: null,
  });
  assertError(run, ["SYSTEM:InputsNotFound", RECOVERABLE, SYSTEM]);
  assertStringIncludes(run.error!.message!, "inputs.pb");
});

Deno.test("errors: an unreadable inputs.pb is USER:InvalidInput", async () => {
  const template = testTemplate("echo", "tests.echo");
  const dir = await tempDir();
  await Deno.writeFile(`${dir}/garbage.pb`, new Uint8Array([0xff, 0xff, 0xff]));
  const args = template.container!.args!.map((a) => a === "{{.input}}" ? `${dir}/garbage.pb` : a);
  assertError(
    await runPropeller({ program: TEST_PROGRAM, template, args }),
    ["USER:InvalidInput", NON_RECOVERABLE, USER],
  );
});

Deno.test("errors: resolver problems are reported in error.pb", async () => {
  const template = testTemplate("echo", "tests.echo");
  const args = template.container!.args!;
  const withArgs = async (edit: (a: string[]) => string[]) =>
    await runPropeller({ program: TEST_PROGRAM, template, args: edit([...args]) });

  const resolver = await withArgs((a) =>
    a.map((x) =>
      x.startsWith("flytekit.core")
        ? "flytekit.core.python_auto_container.default_task_resolver"
        : x
    )
  );
  assertError(resolver, ["USER:UnknownResolver", NON_RECOVERABLE, USER]);
  assertStringIncludes(resolver.error!.message!, "default_task_resolver");

  const executor = await withArgs((a) => [...a.slice(0, -1), "my.module.MissingExecutor"]);
  assertError(executor, ["USER:ExecutorNotFound", NON_RECOVERABLE, USER]);
  assertStringIncludes(executor.error!.message!, '"my.module.MissingExecutor"');

  const template404 = await withArgs((a) =>
    a.map((x) => x === "{{.taskTemplatePath}}" ? "/no/such/task.pb" : x)
  );
  assertError(template404, ["SYSTEM:TemplateNotFound", RECOVERABLE, SYSTEM]);
  assertStringIncludes(template404.error!.message!, '"/no/such/task.pb"');

  const argCount = await withArgs((a) => a.slice(0, -1));
  assertError(argCount, ["USER:InvalidResolverArgs", NON_RECOVERABLE, USER]);

  const garbage = await tempFile({ suffix: ".pb" });
  await Deno.writeFile(garbage, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff]));
  const badTemplate = await withArgs((a) =>
    a.map((x) => x === "{{.taskTemplatePath}}" ? garbage : x)
  );
  assertError(badTemplate, ["USER:InvalidTemplate", NON_RECOVERABLE, USER]);
});

Deno.test("errors: a bad command line is reported in error.pb when the output prefix is known", async () => {
  const template = testTemplate("echo", "tests.echo");
  const args = [...template.container!.args!];
  args.splice(1, 0, "--max-concurrency", "3");
  const run = await runPropeller({ program: TEST_PROGRAM, template, args });
  assertError(run, ["USER:InvalidArguments", NON_RECOVERABLE, USER]);
  assertStringIncludes(run.error!.message!, "--max-concurrency");
});

Deno.test("errors: invalid environment is USER:InvalidEnvironment", async () => {
  const run = await failWith("user", { _F_L_MIN_SIZE_MB: "lots" });
  assertError(run, ["USER:InvalidEnvironment", NON_RECOVERABLE, USER]);
});

Deno.test("exit codes: 1 after error.pb with FLYTE_FAIL_ON_ERROR, 0 without", async () => {
  for (const value of ["true", "t", "1", "TRUE"]) {
    assertError(await failWith("user", { FLYTE_FAIL_ON_ERROR: value }), [
      "USER:SqlError",
      NON_RECOVERABLE,
      USER,
    ], 1);
  }
  assertError(await failWith("user", { FLYTE_FAIL_ON_ERROR: "false" }), [
    "USER:SqlError",
    NON_RECOVERABLE,
    USER,
  ], 0);
  // Success stays 0 even with the flag.
  const ok = await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("echo", "tests.echo"),
    env: { FLYTE_FAIL_ON_ERROR: "true" },
  });
  assertEquals([ok.code, ok.files], [0, ["outputs.pb"]]);
});

Deno.test("exit codes: 2 when error.pb cannot be written", async () => {
  const blocker = await tempFile();
  const template = testTemplate("fail", "tests.fail", { custom: { kind: "user" } });
  const args = template.container!.args!.map((a) =>
    a === "{{.outputPrefix}}" ? `${blocker}/out` : a
  );
  const run = await runPropeller({ program: TEST_PROGRAM, template, args });
  assertEquals(run.code, 2, run.stderr);
  assertStringIncludes(run.stderr, "Cannot write the error document");
  // No output prefix at all: usage on stderr, exit 2.
  const bare = await runPropeller({
    program: TEST_PROGRAM,
    template,
    args: ["pyflyte-execute", "--inputs", "{{.input}}"],
  });
  assertEquals(bare.code, 2);
  assertStringIncludes(bare.stderr, '"--output-prefix"');
});

Deno.test("errors: a distributed error strategy writes error-<hex>.pb with the worker", async () => {
  const run = await failWith("user", { _F_DES: "earliest", _F_WN: "worker-3" });
  assertEquals(run.code, 0);
  assert(run.errorFile && /^error-[0-9a-f]{32}\.pb$/.test(run.errorFile), run.errorFile);
  assertEquals(run.error!.worker, "worker-3");
});

Deno.test("secrets: found as Flyte mounts them, never in logs or error documents", async () => {
  const dir = await tempDir();
  await Deno.mkdir(`${dir}/db`);
  await Deno.writeTextFile(`${dir}/db/password`, "hunter2-file\n");
  const template = (key: string) =>
    testTemplate("secret", "tests.secret", {
      custom: { group: "db", key },
      outputs: { length: Types.integer.literalType },
    });
  const fromFile = await runPropeller({
    program: TEST_PROGRAM,
    template: template("password"),
    env: { FLYTE_SECRETS_DEFAULT_DIR: dir },
  });
  assertEquals(fromFile.code, 0, fromFile.stderr);
  assertEquals(fromFile.outputs!.literals!.length.scalar!.primitive!.integer!.toString(), "12");
  assertEquals((fromFile.stdout + fromFile.stderr).includes("hunter2"), false, fromFile.stdout);
  assertStringIncludes(fromFile.stdout, "Got secret ***");

  const fromEnv = await runPropeller({
    program: TEST_PROGRAM,
    template: template("password"),
    env: { _FSEC_DB_PASSWORD: "s3cr3t-env" },
  });
  assertEquals(fromEnv.code, 0, fromEnv.stderr);
  assertEquals((fromEnv.stdout + fromEnv.stderr).includes("s3cr3t-env"), false);

  const missing = await runPropeller({
    program: TEST_PROGRAM,
    template: template("token"),
    env: { FLYTE_SECRETS_DEFAULT_DIR: dir, _FSEC_DB_PASSWORD: "s3cr3t-env" },
  });
  assertError(missing, ["USER:SecretNotFound", NON_RECOVERABLE, USER]);
  assertStringIncludes(missing.error!.message!, '"token"');
  assertEquals(missing.error!.message!.includes("s3cr3t-env"), false);
});
