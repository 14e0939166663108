// Regression tests for what a review of this release's later changes found: PostgreSQL string
// continuations and U&"..." identifiers in templating, Timestamp.parse ranges, redaction in local
// runs, PEM text with a preamble, and the file backend's whole-file writes (links, long names,
// stale temporary files). Each test says what was wrong.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { crossCheck, OPENSSL } from "../_testing/tools.ts";
import { UserError } from "../errors.ts";
import { createExecutorRegistry, defineExecutor } from "../executors/mod.ts";
import { renderQuery } from "../executors/_sql/template.ts";
import { readTlsFiles } from "../executors/sql/tls.ts";
import { FileStorage } from "../storage/file.ts";
import { runTemplate } from "../task/run.ts";
import { Timestamp } from "../types/values.ts";

const SECRET = "s3cr3t-review-value";
const bytes = (text: string) => new TextEncoder().encode(text);

// --- SQL templating -------------------------------------------------------------------------

Deno.test("a '...' continuing an E'...' string is lexed with E's backslash escapes", () => {
  // PostgreSQL continues E'a' into the next '...' after a newline, still in E mode, so `\'` does
  // not end it and the quote before the placeholder does. The tokenizer reads the continuation as
  // a plain string, "escapes" the value for a string it is not in, and the value lands in SQL
  // text: with x = " as injected, 42 as also_injected --" real PostgreSQL 18 returns
  // {injected: "a' ", also_injected: 42}. It must be refused (or rendered inside a literal).
  const template = "select E'a'\n'\\' '{{ .inputs.x }}' ' as c'";
  const error = assertThrows(
    () => renderQuery(template, { x: " or true --" }, { dialect: "postgres" }),
    UserError,
  );
  assert(["USER:UnsafeInput", "USER:InvalidTemplate"].includes(error.code), error.code);
});

Deno.test("an input inside PostgreSQL's U&\"...\" identifier is refused like U&'...'", () => {
  // U&"..." decodes \XXXX escapes as U&'...' does: "\0041" would name column "A".
  const error = assertThrows(
    () => renderQuery('select 1 as U&"{{ .inputs.x }}"', { x: "\\0041" }, { dialect: "postgres" }),
    UserError,
  );
  assertEquals(error.code, "USER:UnsafeInput");
});

// --- Timestamp.parse ------------------------------------------------------------------------

Deno.test("Timestamp.parse refuses year 0 (before Python's datetime.min and protobuf's range)", () => {
  // Python: datetime.fromisoformat("0000-01-01") -> ValueError: year 0 is out of range.
  assertThrows(() => Timestamp.parse("0000-01-01T00:00:00Z"), SyntaxError);
});

Deno.test("Timestamp.parse refuses minute 60 instead of rolling into the next hour", () => {
  // Python: datetime.fromisoformat("2024-01-01T10:60:00") -> ValueError: minute must be in 0..59.
  assertThrows(() => Timestamp.parse("2024-01-01T10:60:00Z"), SyntaxError);
});

// --- Redaction in local runs ----------------------------------------------------------------

function leakyRun(
  execute: (token: string, log: (m: string, f: Record<string, unknown>) => void) => void,
) {
  const executor = defineExecutor({
    id: "review.leaky",
    taskTypes: ["review-leaky"],
    parseConfig: () => ({}),
    async execute(_config, _inputs, ctx) {
      const token = await ctx.secrets.get({ group: "api", key: "token" });
      execute(token, (m, f) => ctx.logger.info(m, f));
      return {};
    },
  });
  const lines: unknown[][] = [];
  const log = (...args: unknown[]) => void lines.push(args);
  const run = runTemplate({ type: "review-leaky", interface: {} }, {}, {
    executor: "review.leaky",
    registry: createExecutorRegistry([executor]),
    env: { _FSEC_API_TOKEN: SECRET },
    logger: { debug: log, info: log, warn: log, error: log },
  });
  return { run, lines };
}

Deno.test("a local run hides secrets in nested log fields, as the container's logger does", async () => {
  const { run, lines } = leakyRun((token, log) => {
    log("connecting", { args: { password: token }, hosts: [token], error: new Error(token) });
  });
  await run;
  const seen = JSON.stringify(lines, (_k, v) => v instanceof Error ? v.message : v);
  assert(!seen.includes(SECRET), `secret in log fields: ${seen}`);
});

Deno.test("a local run hides secrets in a cause's read-only stack (postgres.js query errors)", async () => {
  // postgres.js's queryError() redefines `stack` with Object.defineProperties (not writable);
  // acfcc93 leaves such properties as they are, so the secret stays in what the caller prints.
  const { run } = leakyRun((token) => {
    const cause = new Error(`password authentication failed for user "${token}"`);
    Object.defineProperty(cause, "stack", { value: cause.stack, writable: false });
    throw new UserError("Cannot connect to the database", {
      code: "USER:AuthenticationFailed",
      cause,
    });
  });
  const error = await assertRejects(() => run, UserError);
  const cause = error.cause as Error;
  assert(!cause.message.includes(SECRET), cause.message);
  assert(!String(cause.stack).includes(SECRET), `secret in cause.stack: ${cause.stack}`);
});

// --- SQL client TLS -------------------------------------------------------------------------

Deno.test({
  ...crossCheck(
    "sslkey as PEM text with openssl's preamble (pkcs12 -nodes output) is PEM, not a path",
    OPENSSL,
  ),
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "review-tls-" });
  try {
    const out = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "client.key",
        "-out",
        "client.crt",
        "-days",
        "2",
        "-subj",
        "/CN=review",
      ],
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    // What `openssl pkcs12 -in client.p12 -nodes` prints: attributes before each PEM block.
    // libpq and PyMySQL read this fine from a file, and so does readTlsFiles; as a secret's value
    // it is taken for a file name ("File name too long") and the whole key is quoted in the error.
    const key = "Bag Attributes\n    localKeyID: 01 02 03\nKey Attributes: <No Attributes>\n" +
      await Deno.readTextFile(`${dir}/client.key`);
    await Deno.writeTextFile(`${dir}/bag.key`, key);
    const base = { dialect: "postgresql", host: "db", port: 5432, sslmode: "verify-full" } as const;
    const fromFile = await readTlsFiles({
      ...base,
      sslcert: `${dir}/client.crt`,
      sslkey: `${dir}/bag.key`,
    });
    const fromText = await readTlsFiles({ ...base, sslcert: `${dir}/client.crt`, sslkey: key });
    assertEquals(fromText, fromFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- Storage writes (temporary name, then rename) -------------------------------------------

Deno.test("FileStorage.write through a symbolic link writes its target, not over the link", async () => {
  // Deno.writeFile (before 2ea35d3) wrote through the link; the rename now replaces the link with
  // a regular file and leaves the target as it was. As root, a device node (a /dev/null-like file)
  // at the destination is replaced the same way.
  const dir = await Deno.makeTempDir({ prefix: "review-write-" });
  try {
    await Deno.writeTextFile(`${dir}/target`, "old");
    await Deno.symlink(`${dir}/target`, `${dir}/link`);
    await new FileStorage().write(`${dir}/link`, bytes("new"));
    assertEquals(await Deno.readTextFile(`${dir}/target`), "new");
    assert(Deno.lstatSync(`${dir}/link`).isSymlink, "the link was replaced by a file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStorage writes and copies files whose names are close to NAME_MAX", async () => {
  // A 240-byte name is valid; the temporary sibling "<name>.flyteshim-<pid>-<n>.tmp" is not
  // (ENAMETOOLONG, reported as a retryable SYSTEM:StorageError).
  const dir = await Deno.makeTempDir({ prefix: "review-write-" });
  try {
    const storage = new FileStorage();
    await storage.write(`${dir}/${"a".repeat(240)}`, bytes("x"));
    await Deno.writeTextFile(`${dir}/src`, "y");
    await storage.upload(`${dir}/src`, `${dir}/${"b".repeat(240)}`);
    assertEquals(await Deno.readTextFile(`${dir}/${"b".repeat(240)}`), "y");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a temporary file left by a killed process with the same pid does not block writes", async () => {
  // Temporary names are <path>.flyteshim-<pid>-<counter>.tmp opened with createNew: in a
  // container the entrypoint is often pid 1 and the counter restarts at 1, so a file left by a
  // run killed mid-write makes every later write of that path fail with "File exists".
  const dir = await Deno.makeTempDir({ prefix: "review-write-" });
  try {
    const specifier = new URL("../storage/file.ts?review-stale-temp", import.meta.url).href;
    const fresh = await import(specifier) as typeof import("../storage/file.ts");
    await Deno.writeTextFile(`${dir}/outputs.pb.flyteshim-${Deno.pid}-1.tmp`, "left by a kill");
    await new fresh.FileStorage().write(`${dir}/outputs.pb`, bytes("outputs"));
    assertEquals(await Deno.readTextFile(`${dir}/outputs.pb`), "outputs");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
