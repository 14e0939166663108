import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../errors.ts";
import { parseCliArgs } from "./args.ts";

Deno.test("parseCliArgs() module, export, input flags in every spelling, and known options", () => {
  assertEquals(
    parseCliArgs([
      "run",
      "tasks.ts",
      "tracks",
      "--limit",
      "10",
      "--name=a b",
      "--on",
      "--rows",
      "3",
      "--json",
      "--prev-checkpoint",
      "run/checkpoint",
    ]),
    {
      command: "run",
      module: "tasks.ts",
      exportName: "tracks",
      template: undefined,
      executor: undefined,
      executorsModule: undefined,
      inputsFile: undefined,
      inputFlags: { limit: "10", name: "a b", on: "true" },
      dir: undefined,
      previousCheckpoint: "run/checkpoint",
      rows: 3,
      json: true,
      help: false,
    },
  );
  const negative = parseCliArgs(["run", "m.ts", "t", "--x", "-1.5", "--y", "-2"]);
  assertEquals(negative.command === "run" && negative.inputFlags, { x: "-1.5", y: "-2" });
  const bare = parseCliArgs(["tasks.ts", "tracks", "--inputs", "in.json"]);
  assertEquals(bare.command === "run" && [bare.module, bare.inputsFile], ["tasks.ts", "in.json"]);
});

Deno.test("parseCliArgs() run --template takes no module; the executor may be named", () => {
  const c = parseCliArgs([
    "run",
    "--template",
    "task.pb",
    "--executor",
    "flyteshim.sqlite3",
    "--limit",
    "1",
  ]);
  assertEquals(c.command === "run" && [c.template, c.executor, c.module, c.inputFlags], [
    "task.pb",
    "flyteshim.sqlite3",
    undefined,
    { limit: "1" },
  ]);
});

Deno.test("parseCliArgs() package and serialize: exports, output, image, flytekit compatibility", () => {
  assertEquals(parseCliArgs(["package", "tasks.ts"]), {
    command: "package",
    module: "tasks.ts",
    exports: [],
    modules: [{ module: "tasks.ts", exports: [] }],
    noCheck: false,
    image: undefined,
    overrideImage: undefined,
    flytekitCompatible: false,
    flyte2: false,
    output: "flyte-package.tgz",
  });
  assertEquals(
    parseCliArgs([
      "serialize",
      "tasks.ts",
      "a",
      "b",
      "--output-dir",
      "out",
      "--flytekit-compatible",
      "--image",
      "i:1",
      "--override-image",
      "o:2",
    ]),
    {
      command: "serialize",
      module: "tasks.ts",
      exports: ["a", "b"],
      modules: [{ module: "tasks.ts", exports: ["a", "b"] }],
      noCheck: false,
      image: "i:1",
      overrideImage: "o:2",
      flytekitCompatible: true,
      flyte2: false,
      outputDir: "out",
    },
  );
  const flyte2 = parseCliArgs(["serialize", "tasks.ts", "--flyte2"]);
  assertEquals(flyte2.command === "serialize" && flyte2.flyte2, true);
});

Deno.test("parseCliArgs() package and serialize take several modules, each with its exports", () => {
  const c = parseCliArgs(["package", "a.ts", "x", "y", "lib/b.ts", "./c.js", "z", "--no-check"]);
  assertEquals(c.command === "package" && [c.modules, c.noCheck], [[
    { module: "a.ts", exports: ["x", "y"] },
    { module: "lib/b.ts", exports: [] },
    { module: "./c.js", exports: ["z"] },
  ], true]);
});

Deno.test("parseCliArgs() help in every spelling", () => {
  assertEquals(parseCliArgs([]), { command: "help", topic: undefined });
  assertEquals(parseCliArgs(["--help"]), { command: "help", topic: undefined });
  assertEquals(parseCliArgs(["help", "package"]), { command: "help", topic: "package" });
  assertEquals(parseCliArgs(["run", "--help"]), { command: "help", topic: "run" });
  assertEquals(parseCliArgs(["package", "-h"]), { command: "help", topic: "package" });
  // With a task, --help describes the task.
  const described = parseCliArgs(["run", "tasks.ts", "tracks", "--help"]);
  assertEquals(described.command === "run" && [described.module, described.help], [
    "tasks.ts",
    true,
  ]);
});

Deno.test("parseCliArgs() malformed command lines are user errors that say what is wrong", () => {
  const cases: [string[], string][] = [
    [["deploy"], 'unknown command "deploy"'],
    [["run"], "give a module and a task export, or --template"],
    [["run", "--template", "t.pb", "extra"], 'unexpected "extra"'],
    [["run", "m.ts", "t", "x"], 'unexpected "x"'],
    [["run", "m.ts", "t", "--rows", "many"], '"--rows" must be a whole number'],
    [["run", "m.ts", "t", "--inputs"], 'option "--inputs" needs a value'],
    [["run", "m.ts", "t", "--a", "1", "--a", "2"], 'input "--a" is given twice'],
    [["run", "m.ts", "t", "-q"], 'unknown option "-q"'],
    [["package"], '"package" needs a module'],
    [["package", "m.ts", "--output-dir", "x"], 'use "--output"'],
    [["serialize", "m.ts", "--nope"], "Cannot parse arguments: Unknown option '--nope'"],
  ];
  for (const [argv, message] of cases) {
    const error = assertThrows(() => parseCliArgs(argv), UserError);
    assertEquals(error.code, "USER:InvalidArguments");
    assertEquals(error.message.includes(message), true, `${error.message} lacks ${message}`);
  }
});
