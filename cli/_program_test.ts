import { assertEquals } from "@std/assert";
import denoConfig from "../deno.json" with { type: "json" };
import { detectProgram, REPOSITORY_PROGRAM } from "./_program.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("detectProgram() this repository's own tasks are found by the command they run", () => {
  const program = detectProgram({
    mainModule: `file://${ROOT}/cli/main.ts`,
    tasks: denoConfig.tasks,
    cwd: ROOT,
  });
  assertEquals(program, REPOSITORY_PROGRAM);
  // From a sub-folder: `deno task` finds the same deno.json.
  const below = detectProgram({
    mainModule: `file://${ROOT}/cli/main.ts`,
    tasks: denoConfig.tasks,
    cwd: `${ROOT}/examples`,
    taskFolder: ROOT,
  });
  assertEquals(below, REPOSITORY_PROGRAM);
});

Deno.test("detectProgram() a project's task that runs the JSR module names every command", () => {
  const tasks = { flyteshim: "deno run -A jsr:@flyteshim/flyteshim@^0.1.0/cli", other: "deno fmt" };
  const program = detectProgram({
    mainModule: "https://jsr.io/@flyteshim/flyteshim/0.1.0/cli/main.ts",
    tasks,
    cwd: "/home/me/shop",
  });
  assertEquals(program, {
    run: "deno task flyteshim run",
    package: "deno task flyteshim package",
    serialize: "deno task flyteshim serialize",
  });
});

Deno.test("detectProgram() the JSR module, or the file as the user reaches it", () => {
  assertEquals(
    detectProgram({ mainModule: "jsr:@flyteshim/flyteshim/cli", tasks: {}, cwd: "/p" }).run,
    "deno run -A jsr:@flyteshim/flyteshim/cli run",
  );
  assertEquals(
    detectProgram({ mainModule: "file:///p/vendor/flyteshim/cli/main.ts", cwd: "/p" }).package,
    "deno run -A vendor/flyteshim/cli/main.ts package",
  );
});
