import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../../errors.ts";
import { resolveConnectOptions } from "./connect_options.ts";
import { parseSqlUrl } from "./url.ts";

Deno.test("resolveConnectOptions() URL, query, connect_args, then secrets (psycopg2's order)", () => {
  const url = parseSqlUrl(
    "postgresql://urluser:urlpw@urlhost:1111/urldb?sslmode=require&port=2222",
  );
  const options = resolveConnectOptions(url, {
    connectArgs: { port: 3333.0, dbname: "argdb", application_name: "app", options: "-c x=1" },
    secretArgs: { password: "secretpw", host: "secrethost" },
  });
  assertEquals(options, {
    dialect: "postgresql",
    host: "secrethost",
    port: 3333,
    sslmode: "require",
    user: "urluser",
    password: "secretpw",
    database: "argdb",
    applicationName: "app",
    options: "-c x=1",
  });
});

Deno.test("resolveConnectOptions() defaults per dialect", () => {
  assertEquals(resolveConnectOptions(parseSqlUrl("postgresql://")), {
    dialect: "postgresql",
    host: "localhost",
    port: 5432,
    sslmode: "prefer",
  });
  assertEquals(resolveConnectOptions(parseSqlUrl("mysql://")), {
    dialect: "mysql",
    host: "localhost",
    port: 3306,
    sslmode: "disable",
  });
});

Deno.test("resolveConnectOptions() flyte issue 6416 (username) and doubles from the Struct", () => {
  const options = resolveConnectOptions(parseSqlUrl("postgresql+psycopg2://db/app"), {
    connectArgs: { port: 5432.0, connect_timeout: 5.0, statement_timeout: 1500.0 },
    secretArgs: { username: "bob", password: "pw" },
  });
  assertEquals(
    [options.user, options.port, options.connectTimeoutSeconds, options.statementTimeoutMs],
    ["bob", 5432, 5, 1500],
  );
  // Numbers from secrets arrive as strings.
  assertEquals(
    resolveConnectOptions(parseSqlUrl("postgresql://db"), { secretArgs: { port: " 6543 " } }).port,
    6543,
  );
});

Deno.test("resolveConnectOptions() aliases (database, db, passwd, ssl_mode)", () => {
  const my = resolveConnectOptions(parseSqlUrl("mysql+pymysql://h"), {
    connectArgs: { db: "app", passwd: "x", ssl_mode: "REQUIRED", charset: "latin1" },
  });
  assertEquals([my.database, my.password, my.sslmode, my.charset], [
    "app",
    "x",
    "require",
    "latin1",
  ]);
  const pg = resolveConnectOptions(parseSqlUrl("postgresql://h"), {
    connectArgs: { database: "app", sslmode: "verify-full", sslrootcert: "/ca.pem" },
  });
  assertEquals([pg.database, pg.sslmode, pg.sslrootcert], ["app", "verify-full", "/ca.pem"]);
});

Deno.test("resolveConnectOptions() connect_timeout 0 means no limit, null removes an option", () => {
  const options = resolveConnectOptions(parseSqlUrl("postgresql://u@h/db"), {
    connectArgs: { connect_timeout: 0, user: null },
  });
  assertEquals([options.connectTimeoutSeconds, options.user], [0, undefined]);
  const unset = resolveConnectOptions(parseSqlUrl("postgresql://u@h/db"), {});
  assertEquals(unset.connectTimeoutSeconds, undefined);
});

Deno.test("resolveConnectOptions() bad options are USER:InvalidConfig and never quote a secret", () => {
  const cases: [Record<string, unknown>, Record<string, string>, string][] = [
    [{ keepalives: 1 }, {}, 'option "keepalives": unknown option for postgresql'],
    [{ port: 5432.5 }, {}, "5432.5 is not a whole non-negative number"],
    [{ port: 70000 }, {}, "70000 is not in 1-65535"],
    [{ sslmode: "sometimes" }, {}, '"sometimes" is not one of'],
    [{ user: { nested: true } }, {}, "expected a string"],
    [{}, { port: "hunter2" }, "the secret's value is not"],
  ];
  for (const [connectArgs, secretArgs, message] of cases) {
    const error = assertThrows(
      () =>
        resolveConnectOptions(parseSqlUrl("postgresql://h"), {
          connectArgs: connectArgs as never,
          secretArgs,
        }),
      UserError,
      message,
    );
    assertEquals(error.code, "USER:InvalidConfig");
    assertEquals(error.message.includes("hunter2"), false);
  }
  assertThrows(
    () => resolveConnectOptions(parseSqlUrl("mysql://h"), { connectArgs: { options: "-c a=b" } }),
    UserError,
    "unknown option for mysql",
  );
});

Deno.test("resolveConnectOptions() sslrootcert=system means the system's CAs and verify-full (libpq 16)", async () => {
  const { readTlsFiles } = await import("./tls.ts");
  const url = parseSqlUrl("postgresql://u@h/db");
  const options = resolveConnectOptions(url, { connectArgs: { sslrootcert: "system" } });
  assertEquals([options.sslmode, options.sslrootcert], ["verify-full", "system"]);
  assertEquals(await readTlsFiles(options), {}); // no CA of its own: the default trust store
  const error = assertThrows(
    () =>
      resolveConnectOptions(url, { connectArgs: { sslrootcert: "system", sslmode: "require" } }),
    UserError,
    "verify-full",
  );
  assertEquals(error.code, "USER:InvalidConfig");
});
