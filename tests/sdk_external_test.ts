// A project outside this checkout uses the SDK before the package is on JSR, as
// docs/getting-started.md tells it to: its deno.json maps `@flyteshim/flyteshim` to the JSR name,
// `links` points that name at a local checkout (the one under test), and a task runs the checkout's
// command line with the project's own configuration. The project defines a SQLite3 task with a
// relative database path and one of its own import-map entries, type-checks and runs it in-process,
// then runs it and packages it through the command line.
import { tempDir } from "../_testing/temp.ts";
import { assertEquals, assertStringIncludes } from "@std/assert";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-net", "--allow-sys"];

async function deno(args: string[], cwd: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("sdk: a project outside the checkout imports @flyteshim/flyteshim through links", async () => {
  const project = await tempDir({ prefix: "flyteshim-external-" });
  try {
    await Deno.writeTextFile(
      `${project}/deno.json`,
      JSON.stringify({
        imports: {
          "@flyteshim/flyteshim": "jsr:@flyteshim/flyteshim@^0.1.0",
          "shop/": "./shop/",
        },
        links: [ROOT],
        tasks: {
          flyteshim: `deno run ${PERMISSIONS.join(" ")} --allow-run jsr:@flyteshim/flyteshim/cli`,
        },
      }),
    );
    await Deno.mkdir(`${project}/shop`);
    await Deno.writeTextFile(
      `${project}/shop/config.ts`,
      `export const IMAGE = "ghcr.io/acme/flyteshim:0.1.0";\n`,
    );
    await Deno.writeTextFile(
      `${project}/tasks.ts`,
      `import { sqlite3Task, Types } from "@flyteshim/flyteshim";
import { IMAGE } from "shop/config.ts";

export const items = sqlite3Task({
  name: "shop.items",
  image: IMAGE,
  queryTemplate: "select name from items where price > {{ .inputs.min }} order by name",
  uri: "shop.db",
  inputs: { min: Types.float },
});
`,
    );
    await Deno.writeTextFile(
      `${project}/main.ts`,
      `import { readDataset } from "@flyteshim/flyteshim";
import { toTaskTemplate } from "@flyteshim/flyteshim/task";
import { DatabaseSync } from "node:sqlite";
import { items } from "./tasks.ts";

const db = new DatabaseSync("shop.db");
db.exec("create table items (name text, price real); insert into items values ('tea', 1.5), ('cake', 3.0)");
db.close();

const { results } = await items.run({ min: 2 }, { dir: "run" });
const { rows } = await readDataset(results);
console.log(JSON.stringify({ rows, type: toTaskTemplate(items).type }));
`,
    );
    const run = await deno(["run", "--check", ...PERMISSIONS, "main.ts"], project);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(JSON.parse(run.stdout.trim().split("\n").at(-1)!), {
      rows: [{ name: "cake" }],
      type: "sqlite",
    });

    // The checkout's command line, through the project's own task and configuration.
    const cli = await deno(
      ["task", "flyteshim", "run", "tasks.ts", "items", "--min", "1", "--dir", "run-cli"],
      project,
    );
    assertEquals(cli.code, 0, cli.stderr);
    assertStringIncludes(cli.stdout, "cake");
    assertStringIncludes(cli.stdout, "tea");
    // The task's help shows the project's own command; the module also runs without the task.
    const help = await deno(["task", "flyteshim", "run", "tasks.ts", "items", "--help"], project);
    assertEquals(help.code, 0, help.stderr);
    assertStringIncludes(help.stdout, "Run: deno task flyteshim run tasks.ts items --min <float>");
    const direct = await deno(
      ["run", ...PERMISSIONS, "jsr:@flyteshim/flyteshim/cli", "run", "tasks.ts", "--min", "2"],
      project,
    );
    assertEquals(direct.code, 0, direct.stderr);
    assertStringIncludes(direct.stdout, "cake");
    const pack = await deno(
      ["task", "flyteshim", "package", "tasks.ts", "--output", "flyte-package.tgz"],
      project,
    );
    assertEquals(pack.code, 0, pack.stderr);
    assertStringIncludes(pack.stdout, "0_shop.items_1.pb");
    // Packaging warns about what only the cluster would notice: a relative database path.
    assertStringIncludes(pack.stderr, 'reads the SQLite database "shop.db" by a relative path');
    // A module with a type error is refused before it runs, and nothing is written.
    await Deno.writeTextFile(
      `${project}/bad.ts`,
      `import { sqlite3Task, Types } from "@flyteshim/flyteshim";
export const bad = sqlite3Task({ name: "bad", queryTemplate: "select 1", uri: "s3://b/k.db",
  outputs: { n: Types.integer } });
`,
    );
    const refused = await deno(
      ["task", "flyteshim", "package", "tasks.ts", "bad.ts", "--output", "bad.tgz"],
      project,
    );
    assertEquals(refused.code, 2, refused.stderr);
    assertStringIncludes(refused.stderr, "the output of a SQL task must be a structured dataset");
    assertStringIncludes(refused.stderr, "the modules have type errors");
    assertEquals(await Deno.stat(`${project}/bad.tgz`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(project, { recursive: true });
  }
});
