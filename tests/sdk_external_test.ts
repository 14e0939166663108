// A project outside this checkout uses the SDK before the package is on JSR, as
// docs/getting-started.md tells it to: its deno.json maps `@flyteshim/flyteshim` to the JSR name and
// `links` points that name at a local checkout (the one under test). The project defines a SQLite3
// task with a relative database path, type-checks, runs it in-process and reads the rows back.
import { assertEquals } from "@std/assert";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("sdk: a project outside the checkout imports @flyteshim/flyteshim through links", async () => {
  const project = await Deno.makeTempDir({ prefix: "flyteshim-external-" });
  try {
    await Deno.writeTextFile(
      `${project}/deno.json`,
      JSON.stringify({
        imports: { "@flyteshim/flyteshim": "jsr:@flyteshim/flyteshim@^0.1.0" },
        links: [ROOT],
      }),
    );
    await Deno.writeTextFile(
      `${project}/main.ts`,
      `import { readDataset, sqlite3Task, Types } from "@flyteshim/flyteshim";
import { toTaskTemplate } from "@flyteshim/flyteshim/task";
import { DatabaseSync } from "node:sqlite";

const db = new DatabaseSync("shop.db");
db.exec("create table items (name text, price real); insert into items values ('tea', 1.5), ('cake', 3.0)");
db.close();

export const items = sqlite3Task({
  name: "shop.items",
  image: "ghcr.io/acme/flyteshim:0.1.0",
  queryTemplate: "select name from items where price > {{ .inputs.min }} order by name",
  uri: "shop.db",
  inputs: { min: Types.float },
});

const { results } = await items.run({ min: 2 }, { dir: "run" });
const { rows } = await readDataset(results);
console.log(JSON.stringify({ rows, type: toTaskTemplate(items).type }));
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--check", "--allow-read", "--allow-write", "--allow-env", "main.ts"],
      cwd: project,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    assertEquals(JSON.parse(lines.at(-1)!), { rows: [{ name: "cake" }], type: "sqlite" });
  } finally {
    await Deno.remove(project, { recursive: true });
  }
});
