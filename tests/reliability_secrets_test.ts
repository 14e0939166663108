// Secrets through the real program: a run that uses a secret, and runs that fail around it in
// every way an executor can (error message, cause chain, internal error with its stack, log
// fields, a rejection nobody awaits, a timer exception, SIGTERM), plus the SQL executor with
// `secret_connect_args` on a real PostgreSQL. The secret's value (raw or JSON-escaped) appears in
// no log line, no error document and no file under the output and raw output prefixes.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { jsonToStruct, type TaskTemplate } from "../idl/mod.ts";
import { Types } from "../types/mod.ts";
import { startPostgres } from "../_testing/postgres.ts";
import {
  denoProgram,
  flytekitContainerArgs,
  type PropellerRunResult,
  runPropeller,
} from "../_testing/propeller.ts";
import { assertFailed, type Expected, systemError, userError } from "../_testing/reliability.ts";
import type { Leak } from "../_testing/reliability_executors.ts";
import { testTemplate } from "../_testing/runtime_fixtures.ts";

const PROGRAM = denoProgram("_testing/reliability_main.ts");

/** Secret values with characters that logs and error documents escape or split. */
const SECRETS: Record<string, string> = {
  plain: "s3cr3t-Plain-9f2a",
  specials: 'p@ss.w*rd$1(x)[y]{z}^|\\"quote"',
  multiline: "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD\n-----END KEY-----",
};

/** Every form a value could take in a JSON log line or a protobuf string. */
function forms(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  const lines = value.split("\n").filter((l) => l.length >= 8);
  return [...new Set([value, escaped, ...lines])];
}

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) out.push(...await filesBelow(path));
      else if (e.isFile) out.push(path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}

/** Asserts that no form of `value` is in the logs, the error document or any written file. */
async function assertNoLeak(run: PropellerRunResult, value: string): Promise<void> {
  const files = [
    ...await filesBelow(run.paths.outputPrefix),
    ...await filesBelow(run.paths.rawOutputPrefix),
  ];
  const texts: [string, string][] = [
    ["stdout", run.stdout],
    ["stderr", run.stderr],
    ["error message", run.error?.message ?? ""],
  ];
  for (const file of files) {
    texts.push([file, new TextDecoder().decode(await Deno.readFile(file))]);
  }
  for (const form of forms(value)) {
    for (const [where, text] of texts) {
      assert(!text.includes(form), `secret ${JSON.stringify(form)} leaked into ${where}:\n${text}`);
    }
  }
}

function leakTemplate(leak: Leak, key = "password"): TaskTemplate {
  return testTemplate("leak", "tests.leak", {
    custom: { group: "db", key, leak },
    outputs: { length: Types.integer.literalType },
  });
}

const CASES: { leak: Leak; expect?: Expected }[] = [
  { leak: "none" },
  { leak: "log-fields" },
  { leak: "message", expect: userError("USER:AuthenticationFailed") },
  { leak: "cause", expect: userError("USER:AuthenticationFailed") },
  { leak: "internal", expect: systemError("SYSTEM:Unknown") },
  { leak: "rejection", expect: userError("USER:Background") },
  { leak: "timer", expect: systemError("SYSTEM:Unknown") },
  { leak: "abort", expect: systemError("SYSTEM:Aborted") },
];

for (const [kind, value] of Object.entries(SECRETS)) {
  for (const { leak, expect } of CASES) {
    Deno.test(`secrets: ${kind} secret, executor leak "${leak}"`, async () => {
      const run = await runPropeller({
        program: PROGRAM,
        template: leakTemplate(leak),
        env: { _FSEC_DB_PASSWORD: value },
        interrupt: leak === "abort" ? { when: /Waiting to be aborted/ } : undefined,
        timeoutMs: 30_000,
      });
      if (expect) {
        assertFailed(run, expect, 0);
        // What was redacted is marked, so the reader knows something was there.
        if (leak === "message" || leak === "cause" || leak === "internal") {
          assertStringIncludes(run.error!.message!, "***");
        }
      } else {
        assertEquals([run.code, run.files], [0, ["outputs.pb"]], run.stderr);
        assertEquals(
          Number(run.outputs!.literals!.length.scalar!.primitive!.integer),
          value.trim().length,
        );
        // The executor did log the value: the logs carry the mark instead.
        if (leak === "log-fields") assertStringIncludes(run.stdout + run.stderr, "***");
      }
      await assertNoLeak(run, value);
    });
  }
}

Deno.test("secrets: a secret file (trailing newline trimmed) never appears, nor its neighbour", async () => {
  const dir = await tempDir();
  await Deno.mkdir(`${dir}/db`);
  await Deno.writeTextFile(`${dir}/db/password`, `${SECRETS.plain}-file\n`);
  const run = await runPropeller({
    program: PROGRAM,
    template: leakTemplate("message"),
    env: { FLYTE_SECRETS_DEFAULT_DIR: dir, _FSEC_OTHER_TOKEN: "neighbour-token-77" },
  });
  assertFailed(run, userError("USER:AuthenticationFailed"), 0);
  await assertNoLeak(run, `${SECRETS.plain}-file`);
  await assertNoLeak(run, "neighbour-token-77");
});

Deno.test("secrets: a missing secret names group and key, never the values around it", async () => {
  const run = await runPropeller({
    program: PROGRAM,
    template: leakTemplate("none", "token"),
    env: { _FSEC_DB_PASSWORD: SECRETS.plain },
  });
  assertFailed(run, userError("USER:SecretNotFound"), 0);
  assertStringIncludes(run.error!.message!, '"token"');
  assertStringIncludes(run.error!.message!, '"db"');
  await assertNoLeak(run, SECRETS.plain);
});

const SQL_EXECUTOR = "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor";

function sqlTemplate(uri: string, query = "select 1 as one"): TaskTemplate {
  return {
    ...testTemplate("sqlalchemy", SQL_EXECUTOR, {
      outputs: { results: { schema: {} } },
      args: flytekitContainerArgs(SQL_EXECUTOR),
    }),
    custom: jsonToStruct({
      query_template: query,
      uri,
      connect_args: {},
      secret_connect_args: {
        password: { group: "pg", key: "password", group_version: null, mount_requirement: 0 },
      },
    }),
  };
}

Deno.test("secrets: SQL executor with secret_connect_args on PostgreSQL", async (t) => {
  const password = 'pg-Reliab1lity-"secret"';
  await using pg = await startPostgres({ password });
  const uri = `postgresql://${pg.user}@${pg.host}:${pg.port}/postgres`;
  await t.step("a query with the secret password succeeds, the password nowhere", async () => {
    const run = await runPropeller({
      program: PROGRAM,
      template: sqlTemplate(uri),
      env: { _FSEC_PG_PASSWORD: password },
    });
    assertEquals([run.code, run.files], [0, ["outputs.pb"]], run.stderr);
    await assertNoLeak(run, password);
  });
  await t.step("a wrong secret password is USER:AuthenticationFailed", async () => {
    const wrong = "wrong-Passw0rd-c4fe";
    const run = await runPropeller({
      program: PROGRAM,
      template: sqlTemplate(uri),
      env: { _FSEC_PG_PASSWORD: wrong },
    });
    assertFailed(run, userError("USER:AuthenticationFailed"), 0);
    await assertNoLeak(run, wrong);
  });
  await t.step("a SQL error after connecting with the secret", async () => {
    const run = await runPropeller({
      program: PROGRAM,
      template: sqlTemplate(uri, `select '${"x"}' from no_such_table`),
      env: { _FSEC_PG_PASSWORD: password },
    });
    assertFailed(run, userError("USER:SqlError"), 0);
    await assertNoLeak(run, password);
  });
  await t.step(
    "an unreachable server with the secret is SYSTEM:DatabaseUnavailable",
    async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      listener.close();
      const run = await runPropeller({
        program: PROGRAM,
        template: sqlTemplate(`postgresql://${pg.user}@127.0.0.1:${port}/postgres`),
        env: { _FSEC_PG_PASSWORD: password },
      });
      assertFailed(run, systemError("SYSTEM:DatabaseUnavailable"), 0);
      await assertNoLeak(run, password);
    },
  );
  await t.step(
    "a password in the URI (not a secret) is kept out of logs and errors",
    async () => {
      const run = await runPropeller({
        program: PROGRAM,
        template: {
          ...sqlTemplate(""),
          custom: jsonToStruct({
            query_template: "select * from no_such_table",
            uri: `postgresql://${pg.user}:${
              encodeURIComponent(password)
            }@${pg.host}:${pg.port}/postgres`,
            connect_args: {},
            secret_connect_args: null,
          }),
        },
      });
      assertFailed(run, userError("USER:SqlError"), 0);
      await assertNoLeak(run, password);
      await assertNoLeak(run, encodeURIComponent(password));
    },
  );
});
