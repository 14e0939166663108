import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../errors.ts";
import { findOutputPrefix, isAbsent, parseCommand, parseExecuteArgs, usage } from "./args.ts";

const FLYTEKIT_ARGS = [
  "pyflyte-execute",
  "--inputs",
  "s3://b/n0/data/inputs.pb",
  "--output-prefix",
  "s3://b/n0/data/0",
  "--raw-output-data-prefix",
  "s3://b/data/k3/x-n0-0",
  "--resolver",
  "flytekit.core.python_customized_container_task.default_task_template_resolver",
  "--",
  "s3://b/n0/data/task.pb",
  "flytekit.extras.sqlite3.task.SQLite3TaskExecutor",
];

Deno.test("parseCommand() flytekit's container args with pyflyte-execute first", () => {
  const command = parseCommand(FLYTEKIT_ARGS);
  assertEquals(command, {
    command: "execute",
    args: {
      inputs: "s3://b/n0/data/inputs.pb",
      outputPrefix: "s3://b/n0/data/0",
      rawOutputDataPrefix: "s3://b/data/k3/x-n0-0",
      checkpointPath: undefined,
      prevCheckpoint: undefined,
      test: false,
      dynamicAddlDistro: undefined,
      dynamicDestDir: undefined,
      resolver: "flytekit.core.python_customized_container_task.default_task_template_resolver",
      resolverArgs: ["s3://b/n0/data/task.pb", "flytekit.extras.sqlite3.task.SQLite3TaskExecutor"],
    },
  });
});

Deno.test("parseCommand() invoked as pyflyte-execute (program name), and as execute", () => {
  const rest = FLYTEKIT_ARGS.slice(1);
  const expected = parseCommand(FLYTEKIT_ARGS);
  assertEquals(parseCommand(rest, { programName: "/usr/local/bin/pyflyte-execute" }), expected);
  assertEquals(
    parseCommand(FLYTEKIT_ARGS, { programName: "/usr/local/bin/pyflyte-execute" }),
    expected,
  );
  assertEquals(parseCommand(["execute", ...rest]), expected);
});

Deno.test('parseExecuteArgs() placeholders and "" are absent', () => {
  const args = parseExecuteArgs([
    "--inputs=/in/inputs.pb",
    "--output-prefix",
    "/out",
    "--raw-output-data-prefix",
    "{{.rawOutputDataPrefix}}",
    "--checkpoint-path",
    "{{ .checkpointOutputPrefix }}",
    "--prev-checkpoint",
    '""',
    "--dynamic-addl-distro",
    "",
    "--test",
    "--",
    "t",
    "e",
  ]);
  assertEquals(args.rawOutputDataPrefix, undefined);
  assertEquals(args.checkpointPath, undefined);
  assertEquals(args.prevCheckpoint, undefined);
  assertEquals(args.dynamicAddlDistro, undefined);
  assertEquals(args.test, true);
  assertEquals(args.resolverArgs, ["t", "e"]);
  assertEquals([isAbsent("{{$Input}}"), isAbsent("s3://b/{{.x}}"), isAbsent(" ")], [
    true,
    false,
    true,
  ]);
});

Deno.test("parseExecuteArgs() checkpoint options", () => {
  const args = parseExecuteArgs([
    "--inputs",
    "i",
    "--output-prefix",
    "o",
    "--checkpoint-path",
    "s3://b/raw/_flytecheckpoints",
    "--prev-checkpoint",
    "s3://b/raw0/_flytecheckpoints",
    "--",
    "t",
    "e",
  ]);
  assertEquals(args.checkpointPath, "s3://b/raw/_flytecheckpoints");
  assertEquals(args.prevCheckpoint, "s3://b/raw0/_flytecheckpoints");
});

Deno.test("parseExecuteArgs() resolver args may start with dashes after --", () => {
  assertEquals(
    parseExecuteArgs(["--inputs", "i", "--output-prefix", "o", "--", "--weird", "e"]).resolverArgs,
    ["--weird", "e"],
  );
});

Deno.test("parseExecuteArgs() errors are USER:InvalidArguments", () => {
  for (
    const argv of [
      ["--inputs", "i"],
      ["--inputs", "i", "--output-prefix", "{{.outputPrefix}}"],
      ["--inputs", "i", "--output-prefix", "o", "--max-concurrency", "3"],
      ["--inputs"],
    ]
  ) {
    const err = assertThrows(() => parseExecuteArgs(argv), UserError);
    assertEquals(err.code, "USER:InvalidArguments");
  }
  const err = assertThrows(
    () => parseCommand(["frobnicate"]),
    UserError,
    'unknown command "frobnicate"',
  );
  assertEquals(err.code, "USER:InvalidArguments");
});

Deno.test("parseCommand() help and version", () => {
  assertEquals(parseCommand([]), { command: "help", topic: undefined });
  assertEquals(parseCommand(["help", "execute"]), { command: "help", topic: "execute" });
  assertEquals(parseCommand(["execute", "--help"]), { command: "help", topic: "execute" });
  assertEquals(parseCommand(["--version"]), { command: "version" });
  assertEquals(usage("execute").includes("--raw-output-data-prefix"), true);
});

Deno.test("findOutputPrefix() the output prefix is found in a bad command line", () => {
  assertEquals(findOutputPrefix(["--bogus", "--output-prefix", "/o"]), "/o");
  assertEquals(findOutputPrefix(["--output-prefix=/o2"]), "/o2");
  assertEquals(findOutputPrefix(["--", "--output-prefix", "/o"]), undefined);
  assertEquals(findOutputPrefix(["--output-prefix", "{{.outputPrefix}}"]), undefined);
});

Deno.test("parseExecuteArgs() --name=value, flags, repeated options and positionals parse as parseArgs does", () => {
  const args = parseExecuteArgs([
    "--inputs=s3://b/in.pb",
    "--output-prefix",
    "o1",
    "--output-prefix",
    "o2",
    "--test",
    "t.pb",
    "--",
    "--x",
  ]);
  assertEquals([args.inputs, args.outputPrefix, args.test], ["s3://b/in.pb", "o2", true]);
  assertEquals(args.resolverArgs, ["t.pb", "--x"]);
});

Deno.test("parseExecuteArgs() a flag with a value, a missing value and a single-dash option are refused", () => {
  for (
    const [argv, detail] of [
      [["--inputs", "i", "--output-prefix", "o", "--test=yes"], '"--test" does not take a value'],
      [["--output-prefix", "o", "--inputs"], '"--inputs" needs a value'],
      [["--inputs", "--output-prefix", "o"], '"--inputs" needs a value'],
      [["--inputs", "i", "--output-prefix", "o", "-x"], 'unknown option "-x"'],
      [["--inputs", "i", "--output-prefix", "o", "--toString"], 'unknown option "--toString"'],
    ] as const
  ) {
    const err = assertThrows(() => parseExecuteArgs(argv), UserError, detail);
    assertEquals(err.code, "USER:InvalidArguments");
  }
});

Deno.test("parseCommand() the name pyflyte-execute decides even where the first argument names a command", () => {
  // Started as the bare program, "describe" is the describe command; started as pyflyte-execute,
  // every argument is execute's (and a stray "describe" is refused as one).
  assertEquals(parseCommand(["describe"]).command, "describe");
  assertEquals(parseCommand(["describe"], { programName: "/bin/flyteshim" }).command, "describe");
  const error = assertThrows(
    () => parseCommand(["describe"], { programName: "/usr/local/bin/pyflyte-execute" }),
    UserError,
  );
  assertEquals(error.code, "USER:InvalidArguments");
});
