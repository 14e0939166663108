// The command executor on Flyte 2's `a0` contract: a commandTask serialized as a flyteidl2
// TaskSpec, inputs written as flyteidl2 Inputs, run by the program with --allow-run, and read back
// as the backend reads outputs.pb / error.pb (_testing/flyte2.ts).
import { assertEquals, assertStringIncludes } from "@std/assert";
import { encodeLiteralMap, fromInt64 } from "../idl/core.ts";
import { decodeInputs } from "../idl/flyte2.ts";
import { commandTask } from "../task/command.ts";
import { toFlyte2TaskSpec } from "../task/serialize_flyte2.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { COMMAND_PROGRAM } from "../_testing/command.ts";
import { outputNamed, runFlyte2Action } from "../_testing/flyte2.ts";

const inputs = { n: Types.integer, words: Types.list(Types.string) };

Deno.test("command task on Flyte 2: a0 args, inputs as files, outputs from files and stdout", async () => {
  const task = commandTask({
    name: "cmd.sum",
    image: "ghcr.io/acme/python-with-flyteshim:3.12",
    command: [
      "python3",
      "-c",
      "import os, sys; d = os.environ['FLYTESHIM_INPUT_DIR']; " +
      "ws = [open(os.path.join(d, 'words', f)).read() for f in sorted(os.listdir(os.path.join(d, 'words')))]; " +
      "open(os.path.join(os.environ['FLYTESHIM_OUTPUT_DIR'], 'doubled'), 'w').write(str(2 * int(sys.argv[1]))); " +
      "print(' '.join(ws))",
      "{{.inputs.n}}",
    ],
    inputs,
    outputs: { doubled: Types.integer, joined: Types.string },
    stdout: "joined",
  });
  const spec = await toFlyte2TaskSpec(task, { version: "v1" });
  assertEquals(spec.taskTemplate?.type, "flyteshim-command");
  const literals = await valuesToLiteralMap({ n: 21n, words: ["a", "b c"] }, inputs);
  const run = await runFlyte2Action({
    spec,
    inputs: decodeInputs(encodeLiteralMap(literals)),
    program: COMMAND_PROGRAM,
  });
  assertEquals(run.args[0], "a0");
  assertEquals(run.outcome.phase, "Success", run.flyte2Error?.message ?? run.stderr);
  const doubled = outputNamed(run.flyte2Outputs, "doubled");
  assertEquals(fromInt64(doubled?.scalar?.primitive?.integer), 42n);
  assertEquals(outputNamed(run.flyte2Outputs, "joined")?.scalar?.primitive?.stringValue, "a b c");
});

Deno.test("command task on Flyte 2: exit 3 is a permanent USER failure with stderr", async () => {
  const task = commandTask({
    name: "cmd.fail",
    image: "debian:12-slim",
    command: ["sh", "-c", "echo 'bad input row' >&2; exit 3"],
  });
  const run = await runFlyte2Action({
    spec: await toFlyte2TaskSpec(task, { version: "v1" }),
    inputs: decodeInputs(encodeLiteralMap({ literals: {} })),
    program: COMMAND_PROGRAM,
  });
  assertEquals(run.outcome.phase, "PermanentFailure", run.stderr);
  assertEquals(run.outcome.phase === "PermanentFailure" && run.outcome.code, "USER:CommandFailed");
  assertStringIncludes(run.flyte2Error?.message ?? "", "bad input row");
});
