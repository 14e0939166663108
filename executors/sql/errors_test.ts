import { assertEquals, assertStringIncludes } from "@std/assert";
import { UserError } from "../../errors.ts";
import { classifyMysqlError, classifyPostgresError, scrubSecrets } from "./errors.ts";

const ctx = { phase: "query" as const, target: "db:5432/app" };

function pgError(code: string, message = "boom") {
  return Object.assign(new Error(message), { name: "PostgresError", code });
}

Deno.test("classifyPostgresError() SQLSTATE classes", () => {
  const cases: [unknown, string, boolean][] = [
    [pgError("28P01"), "USER:AuthenticationFailed", false],
    [pgError("28000"), "USER:AuthenticationFailed", false],
    [pgError("42501"), "USER:AccessDenied", false],
    [pgError("42P01"), "USER:SqlError", false],
    [pgError("22P02"), "USER:SqlError", false],
    [pgError("23505"), "USER:SqlError", false],
    [pgError("3D000"), "USER:SqlError", false],
    [pgError("57P01"), "SYSTEM:DatabaseUnavailable", true],
    [pgError("57P03"), "SYSTEM:DatabaseUnavailable", true],
    [pgError("53300"), "SYSTEM:DatabaseUnavailable", true],
    [pgError("08006"), "SYSTEM:DatabaseUnavailable", true],
    [pgError("40P01"), "SYSTEM:DatabaseUnavailable", true],
    [pgError("40001"), "SYSTEM:DatabaseUnavailable", true],
    [pgError("XX000"), "SYSTEM:DatabaseUnavailable", true],
    [
      pgError("57014", "canceling statement due to statement timeout"),
      "USER:StatementTimeout",
      false,
    ],
    [
      pgError("57014", "canceling statement due to user request"),
      "SYSTEM:DatabaseUnavailable",
      true,
    ],
    [
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      "SYSTEM:DatabaseUnavailable",
      true,
    ],
    [
      Object.assign(new Error("x"), { code: "CONNECTION_CLOSED" }),
      "SYSTEM:DatabaseUnavailable",
      true,
    ],
    [
      Object.assign(new Error("x"), { code: "SASL_SIGNATURE_MISMATCH" }),
      "USER:AuthenticationFailed",
      false,
    ],
  ];
  for (const [error, code, recoverable] of cases) {
    const out = classifyPostgresError(error, ctx);
    assertEquals(
      [out.code, out.recoverable],
      [code, recoverable],
      String((error as Error).message),
    );
    assertEquals(out.origin, code.startsWith("USER") ? "user" : "system");
  }
});

Deno.test("classifyPostgresError() messages, aborts and pass-through", () => {
  const closed = classifyPostgresError(
    Object.assign(new Error("write CONNECTION_CLOSED db:5432"), { code: "CONNECTION_CLOSED" }),
    ctx,
  );
  assertEquals(
    closed.message,
    'Cannot run query on "db:5432/app": the server closed the connection (CONNECTION_CLOSED)',
  );
  const controller = new AbortController();
  controller.abort();
  const aborted = classifyPostgresError(
    pgError("57014", "canceling statement due to user request"),
    {
      ...ctx,
      signal: controller.signal,
    },
  );
  assertEquals([aborted.code, aborted.recoverable], ["SYSTEM:Aborted", true]);
  const own = new UserError("mine", { code: "USER:MixedTypes" });
  assertEquals(classifyPostgresError(own, ctx), own);
  assertStringIncludes(
    classifyPostgresError(pgError("42703", 'column "x" does not exist.'), {
      ...ctx,
      phase: "connect",
    }).message,
    'Cannot connect to "db:5432/app": column "x" does not exist',
  );
});

Deno.test("classifyMysqlError() error numbers", () => {
  const my = (errno: number | undefined, code?: string) =>
    Object.assign(new Error(`e${errno}`), { errno, code });
  const cases: [unknown, string, boolean][] = [
    [my(1045), "USER:AuthenticationFailed", false],
    [my(1044), "USER:AccessDenied", false],
    [my(1142), "USER:AccessDenied", false],
    [my(1064), "USER:SqlError", false],
    [my(1146), "USER:SqlError", false],
    [my(1969), "USER:StatementTimeout", false],
    [my(3024), "USER:StatementTimeout", false],
    [my(1317), "SYSTEM:DatabaseUnavailable", true],
    [my(1053), "SYSTEM:DatabaseUnavailable", true],
    [my(1213), "SYSTEM:DatabaseUnavailable", true],
    [my(2013), "SYSTEM:DatabaseUnavailable", true],
    [my(undefined, "PROTOCOL_CONNECTION_LOST"), "SYSTEM:DatabaseUnavailable", true],
    [my(undefined, "ECONNREFUSED"), "SYSTEM:DatabaseUnavailable", true],
  ];
  for (const [error, code, recoverable] of cases) {
    const out = classifyMysqlError(error, ctx);
    assertEquals([out.code, out.recoverable], [code, recoverable], (error as Error).message);
  }
  const timedOut = classifyMysqlError(my(1317), { ...ctx, timedOut: true });
  assertEquals(timedOut.code, "USER:StatementTimeout");
  assertStringIncludes(timedOut.message, "statement_timeout exceeded");
});

Deno.test("scrubSecrets() plain and percent-encoded forms", () => {
  assertEquals(scrubSecrets("a p@ss! b p%40ss! c", ["p@ss!"]), "a *** b *** c");
  assertEquals(scrubSecrets("ab", ["a", undefined, ""]), "ab");
});

Deno.test("classifyPostgresError() a client-side refusal to send a value is USER:InvalidInput, never retried", () => {
  const cases = [
    classifyPostgresError(
      Object.assign(new Error("Max number of parameters (65534) exceeded"), {
        code: "MAX_PARAMETERS_EXCEEDED",
      }),
      ctx,
    ),
    classifyPostgresError(new RangeError("Invalid time value"), ctx),
    classifyMysqlError(new RangeError("BIGINT parameter out of range"), ctx),
    classifyMysqlError(new TypeError("Bind parameters must not contain undefined"), ctx),
  ];
  for (const error of cases) {
    assertEquals([error.code, error.recoverable], ["USER:InvalidInput", false], error.message);
    assertStringIncludes(error.message, "the client cannot send a value: ");
  }
});

Deno.test("classifyMysqlError() TLS required against a server without it is USER:InvalidConfig in libpq's words", () => {
  const connect = { phase: "connect" as const, target: "db:3306/app" };
  const error = classifyMysqlError(
    Object.assign(new Error("Server does not support secure connection"), {
      code: "HANDSHAKE_NO_SSL_SUPPORT",
    }),
    connect,
  );
  assertEquals([error.code, error.recoverable], ["USER:InvalidConfig", false]);
  assertStringIncludes(error.message, "server does not support SSL, but SSL was required");
});
