/**
 * The SQL executor's shared suite: what every SQL server passes alike through the executor, run
 * by `tests/sql_postgres_test.ts` (PostgreSQL) and `tests/sql_mysql_test.ts` (MariaDB), each with
 * a {@linkcode SqlSuiteServer} that says how its server spells a sleep, a running statement and
 * its error messages. What only one server has (its type mapping, its quoting forms, its TLS
 * settings, PostgreSQL's terminated backends, MariaDB's `sql_mode`) stays in that server's file.
 *
 * @example A server runs the shared steps after its own
 * ```ts ignore
 * Deno.test("sql: PostgreSQL", async (t) => {
 *   await using pg = await startPostgres({ password: PASSWORD });
 *   // ... its own steps ...
 *   await sqlSuite(t, postgresCase(pg));
 * });
 * Deno.test("sql: a PostgreSQL killed mid-query is SYSTEM and recoverable", async () => {
 *   await using pg = await startPostgres({ password: PASSWORD });
 *   await serverKilledMidQuery(postgresCase(pg));
 * });
 * ```
 *
 * @module
 */

import { assert, assertEquals, assertRejects, assertStringIncludes } from "./assert.ts";
import { errorExpectation, runSql, type SqlRun, T } from "./sql_run.ts";

/** One SQL server, as the shared suite drives it. Its database has a `people(id, name)` table. */
export interface SqlSuiteServer {
  /** A URI with the password, for the database that holds `people`. */
  uri: string;
  /** The password, which no error message may show. */
  password: string;
  /** Rows of `people` as `id<TAB>name`, ordered by id, read by the server's own client. */
  people(): Promise<string[]>;
  /** The `name` of the person with `id`, read by the server's own client. */
  nameOf(id: number): Promise<string | undefined>;
  /** Values that try to break out of a quoted or bound input, and queries that quote them. */
  injection: { corpus: string[]; queries: string[] };
  /**
   * Logging in as flytekit's templates do in flyte issue 6416: a URI without user or password,
   * both from secrets (`db`/`user`, `db`/`password`), the port and timeout as the doubles the
   * protobuf Struct makes of numbers. `query` returns `expected`.
   */
  secretsLogin: {
    uri: string;
    user: string;
    port: number;
    connectArgs?: Record<string, string>;
    query: string;
    expected: unknown[][];
  };
  /** A run that logs in with a wrong password (`wrong`), through the URI or a secret. */
  wrongPassword: { run: Pick<SqlRun, "uri" | "secretConnectArgs" | "env">; wrong: string };
  /** What the server says of a wrong password, when the message is checked. */
  wrongPasswordMessage?: string;
  /** What the server says of `select nope from people`. */
  unknownColumnMessage: string;
  /** A query that sleeps `seconds` (`running` finds it by its text). */
  sleep(seconds: number): string;
  /** Statements still running whose text starts with the sleep of `seconds`. */
  running(seconds: number): Promise<number>;
  /** Kills the server (SIGKILL), as a crashed pod. */
  kill(): Promise<void>;
}

/**
 * Runs the shared steps on `server`, in order: the injection corpus, a login from secrets, a wrong
 * password, bad SQL, a statement timeout, an abort, and last a statement without output (it adds
 * person 10).
 */
export async function sqlSuite(t: Deno.TestContext, server: SqlSuiteServer): Promise<void> {
  const { uri } = server;
  const expectError = errorExpectation(server.password);

  await t.step("the injection corpus neither changes the table nor adds rows", async () => {
    for (const name of server.injection.corpus) {
      for (const query of server.injection.queries) {
        const { table } = await runSql({ query, uri, inputs: { name: [T.str, name] } });
        assertEquals(table?.rows, [], `${query} with ${JSON.stringify(name)}`);
      }
    }
    assertEquals(await server.people(), ["1\talice", "2\tbob", "3\to'brien"]);
  });

  await t.step(
    "flyte issue 6416: username and password from secrets, numbers as doubles",
    async () => {
      const login = server.secretsLogin;
      const { table } = await runSql({
        query: login.query,
        uri: login.uri,
        connectArgs: { port: login.port + 0.0, connect_timeout: 5.0, ...login.connectArgs },
        secretConnectArgs: {
          username: { group: "db", key: "user" },
          password: { group: "db", key: "password" },
        },
        env: { _FSEC_DB_USER: login.user, _FSEC_DB_PASSWORD: server.password },
      });
      assertEquals(table?.rows, login.expected);
    },
  );

  await t.step("a wrong password is USER:AuthenticationFailed and never echoed", async () => {
    const error = await expectError(
      runSql({ query: "select 1", ...server.wrongPassword.run }),
      "USER:AuthenticationFailed",
      false,
    );
    if (server.wrongPasswordMessage) {
      assertStringIncludes(error.message, server.wrongPasswordMessage);
    }
    assert(!error.message.includes(server.wrongPassword.wrong));
  });

  await t.step("bad SQL is USER:SqlError with the server's message", async () => {
    const error = await expectError(
      runSql({ query: "select nope from people", uri }),
      "USER:SqlError",
      false,
    );
    assertStringIncludes(error.message, server.unknownColumnMessage);
  });

  await t.step("statement_timeout is USER:StatementTimeout", async () => {
    await expectError(
      runSql({ query: server.sleep(5), uri, connectArgs: { statement_timeout: 300.0 } }),
      "USER:StatementTimeout",
      false,
    );
  });

  await t.step("aborting stops the statement on the server", async () => {
    const controller = new AbortController();
    const running = runSql({ query: server.sleep(30), uri, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 500));
    controller.abort();
    const started = Date.now();
    await assertRejects(() => running);
    assert(Date.now() - started < 5000);
    assertEquals(await server.running(30), 0);
  });

  await t.step("no declared output: the statement only executes", async () => {
    const { outputs } = await runSql({
      query: "insert into people values ({{ .inputs.id }}, {{ .inputs.name }})",
      uri,
      inputs: { id: [T.int, 10n], name: [T.str, "carol"] },
      output: false,
    });
    assertEquals(outputs.literals ?? {}, {});
    assertEquals(await server.nameOf(10), "carol");
  });
}

/**
 * The server killed (SIGKILL) while a statement runs: the run fails SYSTEM:DatabaseUnavailable,
 * recoverable, with origin system; so does the next run, with the server gone.
 */
export async function serverKilledMidQuery(server: SqlSuiteServer): Promise<void> {
  const expectError = errorExpectation(server.password);
  const { uri } = server;
  const outcome = runSql({ query: server.sleep(30), uri }).catch((e) => e);
  await new Promise((r) => setTimeout(r, 700));
  await server.kill();
  const error = await expectError(
    outcome.then((e) => Promise.reject(e)),
    "SYSTEM:DatabaseUnavailable",
    true,
  );
  assertEquals(error.origin, "system");
  // And the server being gone is the same class of failure.
  await expectError(runSql({ query: "select 1", uri }), "SYSTEM:DatabaseUnavailable", true);
}
