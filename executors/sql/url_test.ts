import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../../errors.ts";
import { parseSqlUrl, redactUrl } from "./url.ts";

Deno.test("parseSqlUrl() PostgreSQL schemes and driver suffixes", () => {
  for (
    const scheme of [
      "postgresql",
      "postgres",
      "postgresql+psycopg2",
      "postgresql+psycopg",
      "postgresql+pg8000",
      "postgresql+asyncpg",
    ]
  ) {
    assertEquals(parseSqlUrl(`${scheme}://u@h/db`).dialect, "postgresql", scheme);
  }
  for (const scheme of ["mysql", "mysql+pymysql", "mysql+mysqldb", "mariadb+mariadbconnector"]) {
    assertEquals(parseSqlUrl(`${scheme}://u@h/db`).dialect, "mysql", scheme);
  }
});

Deno.test("parseSqlUrl() every part, percent-decoded", () => {
  const url = parseSqlUrl(
    "postgresql+psycopg2://b%40b:p%3Aw%2F@[::1]:6543/my%20db?sslmode=require&application_name=a+b",
  );
  assertEquals(url, {
    dialect: "postgresql",
    scheme: "postgresql+psycopg2",
    driver: "psycopg2",
    username: "b@b",
    password: "p:w/",
    host: "::1",
    port: 6543,
    database: "my db",
    query: { sslmode: "require", application_name: "a b" },
  });
  assertEquals(parseSqlUrl("postgresql:///app?host=/run/pg"), {
    dialect: "postgresql",
    scheme: "postgresql",
    database: "app",
    query: { host: "/run/pg" },
  });
  assertEquals(parseSqlUrl("postgresql://u:@h").password, "");
});

Deno.test("parseSqlUrl() unsupported or broken URLs name what is supported, never the password", () => {
  for (
    const uri of [
      "sqlite:///tmp/x.db",
      "mssql+pyodbc://u:topsecret@h/db",
      "postgresql+odbc://u:topsecret@h/db",
      "not a url",
      "postgresql://u:topsecret@h:99999/db",
      "postgresql://u:topsecret@h:port/db",
      "postgresql://u:top%ZZsecret@h/db",
    ]
  ) {
    const error = assertThrows(() => parseSqlUrl(uri), UserError);
    assertEquals(error.code, "USER:InvalidConfig");
    assertEquals(error.message.includes("topsecret"), false, error.message);
  }
  assertThrows(() => parseSqlUrl("sqlite:///x.db"), UserError, "postgresql[+psycopg2");
});

Deno.test("redactUrl() hides the password only", () => {
  assertEquals(redactUrl("mysql+pymysql://u:p@ss/x@h/db"), "mysql+pymysql://u:***@h/db");
  assertEquals(redactUrl("no url u:pw@h"), "no url u:***@h");
  assertEquals(redactUrl("postgresql://u@h/db"), "postgresql://u@h/db");
  assertEquals(redactUrl("postgresql://h/db"), "postgresql://h/db");
});

Deno.test("parseSqlUrl() an unencoded @ or / in the password ends at the last @", () => {
  const url = parseSqlUrl("postgresql://u:p@ss/w@h:5/db?options=-c%20a%3Db@c");
  assertEquals([url.username, url.password, url.host, url.port, url.database], [
    "u",
    "p@ss/w",
    "h",
    5,
    "db",
  ]);
  assertEquals(url.query, { options: "-c a=b@c" });
});
