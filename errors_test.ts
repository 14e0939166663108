import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  customErrorCode,
  ERROR_CODES,
  type ErrorCode,
  type ErrorCodeInfo,
  ExecutorNotFoundError,
  FlyteshimError,
  StorageError,
  SystemError,
  UserError,
} from "./errors.ts";

const ROOT = new URL(".", import.meta.url).pathname;
const CODE = /^(USER|SYSTEM):[A-Z][A-Za-z0-9]*$/;

/**
 * The SQL executor's code table (`SQL_ERROR_CODES` in executors/sql/errors.ts), read from its
 * source as the throw sites are: errors.ts is the bottom layer, so its test imports nothing above.
 */
async function sqlErrorCodes(): Promise<Record<string, string>> {
  const text = await Deno.readTextFile(`${ROOT}executors/sql/errors.ts`);
  const table = /export const SQL_ERROR_CODES = \{([^}]*)\}/.exec(text)?.[1] ?? "";
  const codes = Object.fromEntries(
    [...table.matchAll(/(\w+): "((?:USER|SYSTEM):\w+)"/g)].map((m) => [m[1], m[2]]),
  );
  assert(Object.keys(codes).length > 0, "no SQL_ERROR_CODES in executors/sql/errors.ts");
  return codes;
}

Deno.test("ERROR_CODES: each code's prefix is its origin, with a one-line meaning", () => {
  const codes = Object.entries(ERROR_CODES);
  assert(codes.length > 50, `only ${codes.length} codes`);
  for (const [code, info] of codes) {
    assert(CODE.test(code), `${code} is not USER:<Name> or SYSTEM:<Name>`);
    assertEquals(code.split(":")[0].toLowerCase(), info.origin, code);
    assert(info.meaning.length > 0 && !info.meaning.includes("\n"), code);
    assert(!info.meaning.endsWith("."), `${code}: a meaning has no trailing period`);
  }
});

Deno.test("customErrorCode() takes USER:<Name> or SYSTEM:<Name> only", () => {
  const code = customErrorCode("SYSTEM:ChecksumServerDown");
  const error = new SystemError("Cannot reach the checksum server", { code });
  assertEquals([error.code, error.origin, error.recoverable], [code, "system", true]);
  for (const bad of ["USER:", "USER:lower", "SYSTEM:Has Space", "USER:X-Y"]) {
    // @ts-expect-error: the prefix matches, the name does not
    assertThrows(() => customErrorCode(bad), TypeError, "Cannot use error code");
  }
  // @ts-expect-error: no such origin
  assertThrows(() => customErrorCode("OTHER:Name"), TypeError, '"OTHER:Name"');
});

Deno.test("error classes take only codes of their origin", () => {
  // @ts-expect-error: a misspelt code is a type error
  new UserError("Cannot read input", { code: "USER:InvalidInputs" });
  // @ts-expect-error: a user error with a system code is a type error
  new UserError("Cannot connect", { code: "SYSTEM:DatabaseUnavailable" });
  // @ts-expect-error: and the other way round
  new SystemError("Cannot read input", { code: "USER:InvalidInput" });
  // @ts-expect-error: a storage error's code follows its origin
  new StorageError("read", "s3://b/k", "denied", { origin: "user", code: "SYSTEM:StorageError" });
  // @ts-expect-error: a custom code keeps its origin too
  new UserError("Cannot verify", { code: customErrorCode("SYSTEM:ChecksumMismatch") });
  const storage = new StorageError("read", "s3://b/k", "gone", { origin: "user" });
  assertEquals([storage.code, storage.recoverable], ["USER:StorageError", false]);
  assertEquals(new StorageError("read", "s3://b/k", "reset").code, "SYSTEM:StorageError");
  assertEquals(new ExecutorNotFoundError("x", []).code, "USER:ExecutorNotFound");
});

/** The repository's TypeScript, without dependencies and generated code. */
async function typescriptFiles(): Promise<string[]> {
  const skip = new Set(["node_modules", ".git", "dist", ".tmp", "gen"]);
  const found: string[] = [];
  async function walk(dir: string) {
    for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
      if (entry.name.startsWith(".") || skip.has(entry.name)) continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(rel);
      else if (entry.name.endsWith(".ts")) found.push(rel);
    }
  }
  await walk("");
  return found.sort();
}

/** Where `open` (the index of a `(`) is closed. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i;
  }
  return text.length;
}

const THROW_SITE = /new (UserError|SystemError|StorageError|FlyteshimError)\(/g;

interface ThrowSite {
  where: string;
  origin: "user" | "system" | undefined;
  codes: string[];
  recoverable: boolean | undefined;
}

/**
 * Every `new UserError(...)`, `SystemError`, `StorageError` and `FlyteshimError` in the
 * repository (doc examples included): its origin, the codes it may carry (literals, custom
 * codes, `SQL_ERROR_CODES` members, or the class's default when it gives none) and its
 * recoverability when it says or defaults it. A site that passes its options through (`...`)
 * or a code held in a variable is left out of what cannot be read.
 */
async function throwSites(): Promise<ThrowSite[]> {
  const sites: ThrowSite[] = [];
  const sqlCodes = await sqlErrorCodes();
  for (const file of await typescriptFiles()) {
    if (file === "errors_test.ts") continue;
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    for (const match of text.matchAll(THROW_SITE)) {
      const open = match.index + match[0].length - 1;
      let args = text.slice(open, closing(text, open) + 1);
      // Nested constructions are sites of their own.
      for (let inner; (inner = /new \w+\(/.exec(args.slice(1)));) {
        const at = inner.index + 1 + inner[0].length - 1;
        args = args.slice(0, inner.index + 1) + args.slice(closing(args, at) + 1);
      }
      const kind = match[1];
      const line = text.slice(0, match.index).split("\n").length;
      const stated = /\borigin: "(user|system)"/.exec(args)?.[1] as "user" | "system" | undefined;
      const origin = kind === "UserError"
        ? "user"
        : kind === "SystemError"
        ? "system"
        : stated ?? (kind === "StorageError" && !/\borigin:/.test(args) ? "system" : undefined);
      const passedOn = /\.\.\.\w/.test(args);
      const codes = [...args.matchAll(/"((?:USER|SYSTEM):\w*)"/g)].map((m) => m[1]);
      for (const m of args.matchAll(/SQL_ERROR_CODES\.(\w+)/g)) {
        assert(m[1] in sqlCodes, `${file}: SQL_ERROR_CODES.${m[1]} is not in the table`);
        codes.push(sqlCodes[m[1]]);
      }
      if (!/\bcode:/.test(args) && !passedOn && origin) {
        const storage = kind === "StorageError";
        codes.push(
          origin === "user"
            ? (storage ? "USER:StorageError" : "USER:Error")
            : (storage ? "SYSTEM:StorageError" : "SYSTEM:Error"),
        );
      }
      const literal = /\brecoverable: (true|false)\b/.exec(args)?.[1];
      const recoverable = literal !== undefined
        ? literal === "true"
        : /\brecoverable:/.test(args) || passedOn || !origin
        ? undefined
        : origin === "system";
      sites.push({ where: `${file}:${line}`, origin, codes, recoverable });
    }
  }
  return sites;
}

/** The codes the repository makes with `customErrorCode` (test executors, examples). */
async function customCodes(): Promise<Set<string>> {
  const found = new Set<string>();
  for (const file of await typescriptFiles()) {
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    for (const m of text.matchAll(/customErrorCode\("([^"]*)"\)/g)) found.add(m[1]);
  }
  return found;
}

Deno.test("every throw site's code is in ERROR_CODES, of the site's origin and recoverability", async () => {
  const sites = await throwSites();
  assert(sites.length > 200, `only ${sites.length} throw sites found: is the scan broken?`);
  const custom = await customCodes();
  const wrong: string[] = [];
  const differs = new Set<string>();
  for (const site of sites) {
    for (const code of site.codes) {
      const info = ERROR_CODES[code as ErrorCode];
      if (!info && !custom.has(code)) {
        wrong.push(`${site.where}: ${code} is not in ERROR_CODES`);
        continue;
      }
      const origin = info?.origin ?? code.split(":")[0].toLowerCase();
      if (site.origin && origin !== site.origin) {
        wrong.push(`${site.where}: ${code} is thrown with origin ${site.origin}`);
      }
      if (!info || site.recoverable === undefined || site.recoverable === info.recoverable) {
        continue;
      }
      if ((info as ErrorCodeInfo).except) differs.add(code);
      else {
        wrong.push(
          `${site.where}: ${code} is thrown ${site.recoverable ? "" : "non-"}recoverable: ` +
            `ERROR_CODES says otherwise (or name the exception in its "except")`,
        );
      }
    }
  }
  assertEquals(wrong, []);
  // An exception the table names is one some site makes.
  const excepted = Object.entries(ERROR_CODES).filter(([, info]) => "except" in info);
  assertEquals(excepted.map(([code]) => code).filter((code) => !differs.has(code)), []);
});

Deno.test("every code written in the repository is in ERROR_CODES or made custom", async () => {
  const custom = await customCodes();
  for (const code of custom) {
    assert(!(code in ERROR_CODES), `${code} is flyteshim's own: use it without customErrorCode`);
  }
  const unknown: string[] = [];
  const used = new Set<string>();
  for (const file of await typescriptFiles()) {
    if (file === "errors_test.ts") continue;
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    for (const m of text.matchAll(/["'`]((?:USER|SYSTEM):[A-Za-z0-9]+)["'`]/g)) {
      used.add(m[1]);
      if (!(m[1] in ERROR_CODES) && !custom.has(m[1])) {
        unknown.push(`${file}:${text.slice(0, m.index).split("\n").length}: ${m[1]}`);
      }
    }
  }
  assertEquals(unknown, []);
  // And the table lists no code that nothing uses.
  assertEquals(Object.keys(ERROR_CODES).filter((code) => !used.has(code)), []);
});

Deno.test("FlyteshimError keeps the origin's defaults", () => {
  const user = new FlyteshimError("Bad input", { origin: "user" });
  assertEquals([user.code, user.recoverable], ["USER:Error", false]);
  const system = new FlyteshimError("Reset", { origin: "system" });
  assertEquals([system.code, system.recoverable], ["SYSTEM:Error", true]);
});
