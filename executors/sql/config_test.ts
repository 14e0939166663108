import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../../errors.ts";
import { parseSqlConfig } from "./config.ts";

Deno.test("parseSqlConfig() flytekit's get_custom shape", () => {
  const config = parseSqlConfig({
    query_template: "select * from t limit {{ .inputs.limit }}",
    uri: "postgresql+psycopg2://app@db:5432/app",
    connect_args: { connect_timeout: 5.0 },
    secret_connect_args: {
      password: { group: "db", key: "password", group_version: null, mount_requirement: 1 },
      username: { group: "db", key: "user", group_version: "v2", mount_requirement: 0 },
    },
  });
  assertEquals(config.connectArgs, { connect_timeout: 5 });
  // group_version is not passed, as flytekit's executor does not pass it.
  assertEquals(config.secretConnectArgs, {
    password: { group: "db", key: "password" },
    username: { group: "db", key: "user" },
  });
  assertEquals(config.url.port, 5432);
});

Deno.test("parseSqlConfig() null connect_args and secret_connect_args", () => {
  const config = parseSqlConfig({
    query_template: "select 1",
    uri: "mysql://h/db",
    connect_args: null,
    secret_connect_args: null,
  });
  assertEquals([config.connectArgs, config.secretConnectArgs], [{}, {}]);
});

Deno.test("parseSqlConfig() every bad key is USER:InvalidConfig naming it", () => {
  const base = { query_template: "select 1", uri: "postgresql://h/db" };
  const cases: [Record<string, unknown>, string][] = [
    [{ ...base, query_template: "" }, '"query_template"'],
    [{ uri: "postgresql://h" }, '"query_template"'],
    [{ ...base, uri: 5 }, '"uri"'],
    [{ ...base, connect_args: [1] }, '"connect_args"'],
    [{ ...base, secret_connect_args: "x" }, '"secret_connect_args"'],
    [{ ...base, secret_connect_args: { password: { key: "k" } } }, 'non-empty "group"'],
    [{ ...base, secret_connect_args: { password: { group: null, key: "k" } } }, '"group"'],
    [{ ...base, secret_connect_args: { password: { group: "", key: "k" } } }, '"group"'],
    [{ ...base, secret_connect_args: { password: { group: 1, key: "k" } } }, '"group"'],
    [{ ...base, secret_connect_args: { password: { group: "g", key: 5 } } }, ".key"],
    [{ ...base, uri: "oracle://h/db" }, "unsupported database"],
  ];
  for (const [custom, message] of cases) {
    const error = assertThrows(() => parseSqlConfig(custom as never), UserError, message);
    assertEquals(error.code, "USER:InvalidConfig");
  }
});

Deno.test("parseSqlConfig() a secret without a key is the group itself, as flytekit allows", () => {
  const base = { query_template: "select 1", uri: "postgresql://h/db" };
  for (const key of [undefined, null, ""]) {
    const config = parseSqlConfig({
      ...base,
      secret_connect_args: { password: { group: "db-pass", key } },
    } as never);
    assertEquals(config.secretConnectArgs.password, { group: "db-pass" });
  }
});
