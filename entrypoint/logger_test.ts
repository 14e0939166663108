import { assertEquals } from "@std/assert";
import { createLogger, createRedactor } from "./logger.ts";

function capture(level: "debug" | "info" | "warn" | "error" = "info") {
  const lines: [string, string][] = [];
  const redactor = createRedactor();
  const logger = createLogger({
    level,
    redactor,
    fields: { executor: "x" },
    write: (l, line) => lines.push([l, line]),
    now: () => new Date(0),
  });
  return { lines, logger, redactor };
}

Deno.test("createLogger() writes one JSON object per line, fixed keys first", () => {
  const { lines, logger } = capture();
  logger.info("Running", { n: 1n, message: "cannot override", err: new TypeError("bad") });
  assertEquals(lines, [[
    "info",
    '{"time":"1970-01-01T00:00:00.000Z","level":"info","message":"Running","executor":"x","n":"1","err":"TypeError: bad"}',
  ]]);
});

Deno.test("createLogger() filters by level", () => {
  const { lines, logger } = capture("warn");
  logger.debug("a");
  logger.info("b");
  logger.warn("c");
  logger.error("d");
  assertEquals(lines.map(([l]) => l), ["warn", "error"]);
});

Deno.test("createLogger() redacts secrets, also inside JSON escapes", () => {
  const { lines, logger, redactor } = capture();
  redactor.add('pa"ss\\word');
  redactor.add("hunter2");
  logger.info("password is hunter2", { value: 'pa"ss\\word' });
  assertEquals(lines[0][1].includes("hunter2"), false);
  assertEquals(lines[0][1].includes("ss\\\\word"), false);
  assertEquals(JSON.parse(lines[0][1]).value, "***");
  assertEquals(redactor.redact("x hunter2 y"), "x *** y");
});
