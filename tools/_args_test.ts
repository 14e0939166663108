import { assertEquals, assertThrows } from "@std/assert";
import { toolArgs } from "./_args.ts";

const DEFAULTS = { runs: 500, s3: false, executor: "sqlite3", only: ["a", "b"] };

Deno.test("toolArgs() keeps the defaults and reads given options by their default's type", () => {
  assertEquals(toolArgs(DEFAULTS, []), {
    runs: 500,
    s3: false,
    executor: "sqlite3",
    only: ["a", "b"],
  });
  assertEquals(
    toolArgs(DEFAULTS, ["--runs", "20", "--s3", "--executor", "sql", "--only", "b"]),
    { runs: 20, s3: true, executor: "sql", only: ["b"] },
  );
});

Deno.test("toolArgs() refuses a number option that is not a number, and unknown options", () => {
  assertThrows(() => toolArgs(DEFAULTS, ["--runs", "1O"]), TypeError, 'Cannot use --runs "1O"');
  assertThrows(() => toolArgs(DEFAULTS, ["--runs="]), TypeError, "not a number");
  assertThrows(() => toolArgs(DEFAULTS, ["--rusn", "3"]), TypeError);
});
