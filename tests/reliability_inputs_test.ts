// Bad input corpus through the propeller harness (the real program in a subprocess): damaged,
// empty and oversized task.pb and inputs.pb, wrong literal types, missing and extra inputs, deep
// nesting, invalid UTF-8, unknown enum values, unknown executors and bad `custom` configs. Each
// ends in its documented error document, its exit code (0, or 1 with FLYTE_FAIL_ON_ERROR) and
// no outputs.pb.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import {
  encodeLiteral,
  encodeLiteralMap,
  encodeTaskTemplate,
  jsonToStruct,
  type LiteralMap,
  type TaskTemplate,
} from "../idl/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { denoProgram, flytekitContainerArgs, runPropeller } from "../_testing/propeller.ts";
import {
  assertFailed,
  echoInputs,
  echoSeeds,
  echoTemplate,
  type Expected,
  folderArgs,
  lengthDelimited,
  runWithBytes,
  systemError,
  userError,
} from "../_testing/reliability.ts";
import { testTemplate } from "../_testing/runtime_fixtures.ts";

const SQLITE_EXECUTOR = "flytekit.extras.sqlite3.task.SQLite3TaskExecutor";
const enc = new TextEncoder();

interface Case {
  name: string;
  template?: TaskTemplate;
  inputs?: LiteralMap | null;
  task?: Uint8Array;
  inputsBytes?: Uint8Array;
  expect: Expected;
  /** Text the error message must contain. */
  mentions?: string;
}

const seeds = await echoSeeds();
const template = echoTemplate();
const inputs = await echoInputs();

/** Flips bit `bit` of byte `at`. */
function flip(bytes: Uint8Array, at: number, bit = 7): Uint8Array {
  const out = bytes.slice();
  out[at] ^= 1 << bit;
  return out;
}

/** A collection literal nested `depth` levels around an integer, built bytewise (no recursion). */
function nestedCollection(depth: number): Uint8Array {
  let literal = encodeLiteral({ scalar: { primitive: { integer: 1 } } });
  for (let i = 0; i < depth; i++) {
    // Literal{collection: LiteralCollection{literals: [literal]}}
    literal = lengthDelimited(2, lengthDelimited(1, literal));
  }
  // LiteralMap{literals: {"n": literal}}: a map entry {key = 1, value = 2}.
  const entry = new Uint8Array([
    ...lengthDelimited(1, enc.encode("n")),
    ...lengthDelimited(2, literal),
  ]);
  return lengthDelimited(1, entry);
}

/** A LiteralType nested `depth` levels of collection_type, built bytewise. */
function nestedType(depth: number): Uint8Array {
  let type: Uint8Array = new Uint8Array([0x08, 0x01]); // simple: INTEGER
  for (let i = 0; i < depth; i++) type = lengthDelimited(3, type);
  return type;
}

/** The echo template with input "n" of a raw LiteralType (bytes), spliced into the interface. */
function templateWithInputType(typeBytes: Uint8Array): Uint8Array {
  const base = testTemplate("echo", "tests.echo");
  // Variable{type = 1}, VariableMap{variables = 1: entry{key 1, value 2}}, TypedInterface{inputs = 1}.
  const variable = lengthDelimited(1, typeBytes);
  const entry = new Uint8Array([
    ...lengthDelimited(1, enc.encode("n")),
    ...lengthDelimited(2, variable),
  ]);
  const iface = lengthDelimited(1, lengthDelimited(1, entry));
  // TaskTemplate.interface is field 4; a later occurrence of a message field merges into it.
  return new Uint8Array([
    ...encodeTaskTemplate({ ...base, interface: undefined }),
    ...lengthDelimited(4, iface),
  ]);
}

/** A string literal whose bytes are not UTF-8. */
function invalidUtf8Inputs(): Uint8Array {
  const bad = new Uint8Array([0x61, 0xff, 0xfe, 0xc3, 0x28, 0x62]); // "a", junk, bad 2-byte seq, "b"
  const primitive = lengthDelimited(3, bad); // Primitive.string_value = 3
  const literal = lengthDelimited(1, lengthDelimited(1, primitive)); // Literal.scalar{primitive}
  const entry = new Uint8Array([
    ...lengthDelimited(1, enc.encode("s")),
    ...lengthDelimited(2, literal),
  ]);
  return lengthDelimited(1, entry);
}

const NO_INPUTS: LiteralMap = { literals: {} };

function sqliteTemplate(custom: Record<string, unknown> | null, type = "sqlite"): TaskTemplate {
  return {
    ...testTemplate(type, SQLITE_EXECUTOR, {
      outputs: { results: { schema: {} } },
      args: flytekitContainerArgs(SQLITE_EXECUTOR),
    }),
    custom: custom === null ? undefined : jsonToStruct(custom as never),
  };
}

const GARBAGE_32MB = (() => {
  const out = new Uint8Array(32 * 1024 * 1024);
  // A field tag then a length that claims more than remains: the reader must refuse, not allocate.
  out.set([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  for (let i = 6; i < out.length; i += 4096) out[i] = i & 0xff;
  return out;
})();

const stringTask = testTemplate("echo", "tests.echo", {
  inputs: { s: Types.string.literalType },
  outputs: { s: Types.string.literalType },
});

const CASES: Case[] = [
  // task.pb
  {
    name: "task.pb truncated mid-field",
    task: seeds.task.subarray(0, Math.floor(seeds.task.length / 2)),
    expect: userError("USER:InvalidTemplate"),
  },
  {
    name: "task.pb with a length bit flipped (claims past the end)",
    task: flip(seeds.task, 1, 6),
    expect: userError("USER:InvalidTemplate"),
  },
  {
    name: "task.pb of 32 MB garbage",
    task: GARBAGE_32MB,
    expect: userError("USER:InvalidTemplate"),
  },
  {
    name: "task.pb empty (zero bytes) for the SQLite3 executor",
    template: sqliteTemplate({ query_template: "select 1", uri: "/x.db", compressed: false }),
    inputs: NO_INPUTS,
    task: new Uint8Array(0),
    // Lenient decoding reads it as an empty template; it has no task type, so it is refused
    // as a template rather than reaching the executor as a config without "query_template".
    expect: userError("USER:InvalidTemplate"),
    mentions: "it is empty",
  },
  {
    name: "task.pb with an input type nested 100,000 levels (recursion limit)",
    task: templateWithInputType(nestedType(100_000)),
    inputs: null,
    expect: userError("USER:InvalidTemplate"),
  },
  {
    name: "task.pb with an unknown SimpleType enum value",
    task: templateWithInputType(new Uint8Array([0x08, 0x63])), // simple: 99
    inputs: { literals: { n: { scalar: { primitive: { integer: 1 } } } } },
    expect: userError("USER:InvalidInput"),
  },
  {
    name: "task.pb with an unknown blob dimensionality",
    // LiteralType.blob = 8: BlobType{format = 1, dimensionality = 2: 7}
    task: templateWithInputType(lengthDelimited(8, new Uint8Array([0x10, 0x07]))),
    inputs: {
      literals: {
        n: { scalar: { blob: { uri: "/tmp/x", metadata: { type: { dimensionality: 0 } } } } },
      },
    },
    expect: userError("USER:InvalidInput"),
  },
  // inputs.pb
  {
    name: "inputs.pb empty (zero bytes): every declared input missing",
    inputsBytes: new Uint8Array(0),
    expect: userError("USER:InvalidInput"),
    mentions: '"n"',
  },
  {
    name: "inputs.pb truncated mid-field",
    inputsBytes: seeds.inputs.subarray(0, seeds.inputs.length - 3),
    expect: userError("USER:InvalidInput"),
  },
  {
    name: "inputs.pb with a length bit flipped",
    inputsBytes: flip(seeds.inputs, 1, 6),
    expect: userError("USER:InvalidInput"),
  },
  {
    name: "inputs.pb of 32 MB garbage",
    inputsBytes: GARBAGE_32MB,
    expect: userError("USER:InvalidInput"),
  },
  {
    name: "inputs.pb with a collection nested 100,000 levels (recursion limit)",
    template: testTemplate("echo", "tests.echo", {
      inputs: { n: Types.list(Types.integer).literalType },
    }),
    inputsBytes: nestedCollection(100_000),
    expect: userError("USER:InvalidInput"),
    mentions: "max depth exceeded",
  },
  {
    name: "inputs.pb nested 40 levels (under the decoder's limit) against a 1-level type",
    template: testTemplate("echo", "tests.echo", {
      inputs: { n: Types.list(Types.integer).literalType },
    }),
    inputsBytes: nestedCollection(40),
    expect: userError("USER:InvalidInput"),
    mentions: 'input "n[0]": expected INTEGER, found collection',
  },
  {
    name: "inputs.pb with invalid UTF-8 in a string",
    template: stringTask,
    inputsBytes: invalidUtf8Inputs(),
    expect: userError("USER:InvalidInput"),
    mentions: "not valid",
  },
  {
    name: "inputs.pb with an unknown enum value for an enum input",
    template: testTemplate("echo", "tests.echo", {
      inputs: { color: Types.enum(["red", "green"]).literalType },
    }),
    inputs: { literals: { color: { scalar: { primitive: { stringValue: "purple" } } } } },
    expect: userError("USER:InvalidInput"),
    mentions: "purple",
  },
  {
    name: "wrong literal type: a string for an integer",
    inputs: {
      literals: { ...inputs.literals, n: { scalar: { primitive: { stringValue: "42" } } } },
    },
    expect: userError("USER:InvalidInput"),
    mentions: '"n"',
  },
  {
    name: "wrong literal type: a scalar for a collection",
    inputs: {
      literals: { ...inputs.literals, tags: { scalar: { primitive: { stringValue: "a" } } } },
    },
    expect: userError("USER:InvalidInput"),
    mentions: '"tags"',
  },
  {
    name: "wrong literal type: a collection for a map",
    inputs: { literals: { ...inputs.literals, scores: inputs.literals!.tags } },
    expect: userError("USER:InvalidInput"),
    mentions: '"scores"',
  },
  {
    name: "wrong literal type: a fractional float for an integer",
    inputs: { literals: { ...inputs.literals, n: { scalar: { primitive: { floatValue: 1.5 } } } } },
    expect: userError("USER:InvalidInput"),
    mentions: '"n"',
  },
  {
    name: "wrong literal type: a list element of the wrong type",
    inputs: {
      literals: {
        ...inputs.literals,
        tags: {
          collection: {
            literals: [
              { scalar: { primitive: { stringValue: "a" } } },
              { scalar: { primitive: { boolean: true } } },
            ],
          },
        },
      },
    },
    expect: userError("USER:InvalidInput"),
    mentions: '"tags',
  },
  {
    name: "a declared input missing",
    inputs: { literals: { tags: inputs.literals!.tags, scores: inputs.literals!.scores } },
    expect: userError("USER:InvalidInput"),
    mentions: '"n"',
  },
  {
    name: "an extra input not in the interface",
    inputs: {
      literals: { ...inputs.literals, extra: { scalar: { primitive: { integer: 1 } } } },
    },
    expect: userError("USER:InvalidInput"),
    mentions: '"extra"',
  },
  {
    name: "an empty literal (no value set) for an integer",
    inputs: { literals: { ...inputs.literals, n: {} } },
    expect: userError("USER:InvalidInput"),
    mentions: '"n"',
  },
  // Executors
  {
    name: "a template for an unknown executor",
    template: testTemplate("spark", "my.plugins.SparkExecutor"),
    inputs: { literals: {} },
    expect: userError("USER:ExecutorNotFound"),
    mentions: "my.plugins.SparkExecutor",
  },
  {
    name: "SQLite3: custom absent",
    template: sqliteTemplate(null),
    inputs: NO_INPUTS,
    expect: userError("USER:InvalidConfig"),
    mentions: "query_template",
  },
  {
    name: "SQLite3: query_template missing",
    template: sqliteTemplate({ uri: "/x.db", compressed: false }),
    inputs: NO_INPUTS,
    expect: userError("USER:InvalidConfig"),
    mentions: "query_template",
  },
  {
    name: "SQLite3: uri is a number",
    template: sqliteTemplate({ query_template: "select 1", uri: 5, compressed: false }),
    inputs: NO_INPUTS,
    expect: userError("USER:InvalidConfig"),
    mentions: '"uri"',
  },
  {
    name: "SQLite3: compressed is a string",
    template: sqliteTemplate({ query_template: "select 1", uri: "/x.db", compressed: "yes" }),
    inputs: NO_INPUTS,
    expect: userError("USER:InvalidConfig"),
    mentions: '"compressed"',
  },
  {
    name: "SQLite3: unknown task type with a config of the wrong shape",
    template: sqliteTemplate({ query: "select 1", url: "/x.db" }, "sparkish"),
    inputs: NO_INPUTS,
    expect: userError("USER:InvalidConfig"),
  },
  {
    name: "SQLite3: uri names no database",
    template: sqliteTemplate({
      query_template: "select 1",
      uri: "/nonexistent/flyteshim/none.db",
      compressed: false,
    }),
    inputs: NO_INPUTS,
    expect: userError("USER:NotFound"),
    mentions: "none.db",
  },
];

CASES.forEach((c, i) => {
  // Every other case runs with FLYTE_FAIL_ON_ERROR=true: exit 1 after error.pb, else 0.
  const failOnError = i % 2 === 1;
  Deno.test(`inputs: ${c.name}`, async () => {
    const run = await runWithBytes({
      template: c.template ?? template,
      inputs: c.inputs === undefined ? inputs : c.inputs,
      task: c.task,
      inputsBytes: c.inputsBytes,
      env: failOnError ? { FLYTE_FAIL_ON_ERROR: "true" } : {},
    });
    assertFailed(run, c.expect, failOnError ? 1 : 0);
    if (c.mentions) assertStringIncludes(run.error!.message!, c.mentions);
    assert(run.ms < 20_000, `took ${run.ms} ms`);
  });
});

Deno.test("inputs: an unknown task type with a known executor runs, with a warning", async () => {
  const run = await runWithBytes({
    template: { ...template, type: "no-such-type" },
    inputs,
  });
  assertEquals([run.code, run.files], [0, ["outputs.pb"]], run.stderr);
  assertStringIncludes(run.stderr, "does not declare the template's task type");
});

Deno.test("inputs: a valid 8 MB string input passes through within the bound", async () => {
  const big = "x".repeat(8 * 1024 * 1024);
  const run = await runWithBytes({
    template: stringTask,
    inputs: await valuesToLiteralMap({ s: big }, { s: Types.string }),
  });
  assertEquals([run.code, run.files], [0, ["outputs.pb"]], run.stderr);
  assertEquals(run.outputs!.literals!.s.scalar!.primitive!.stringValue!.length, big.length);
});

Deno.test("inputs: the undamaged seeds succeed (the corpus is not failing for another reason)", async () => {
  const run = await runWithBytes({ template, inputs, task: seeds.task, inputsBytes: seeds.inputs });
  assertEquals([run.code, run.files], [0, ["outputs.pb"]], run.stderr);
  assertEquals(encodeLiteralMap(run.outputs!), seeds.inputs);
});

// Regressions: offloaded literals (contract: flytekit unwraps one level).

async function offloadedTo(write: (uri: string) => Uint8Array): Promise<string> {
  const dir = await tempDir({ prefix: "flyteshim-offloaded-" });
  const uri = `${dir}/literal.pb`;
  await Deno.writeFile(uri, write(uri));
  return uri;
}

const integerTask = testTemplate("echo", "tests.echo", {
  inputs: { n: Types.integer.literalType },
  outputs: { n: Types.integer.literalType },
});

Deno.test("inputs: an offloaded literal that points at itself is USER:InvalidInput, not a hang", async () => {
  const uri = await offloadedTo((self) =>
    encodeLiteral({ offloadedMetadata: { uri: self, sizeBytes: 10, inferredType: { simple: 1 } } })
  );
  const run = await runWithBytes({
    template: integerTask,
    inputs: { literals: { n: { offloadedMetadata: { uri, sizeBytes: 10 } } } },
    timeoutMs: 15_000,
  });
  assertEquals(run.signal, null, "killed: the run looped");
  assertFailed(run, userError("USER:InvalidInput"), 0);
  assertStringIncludes(run.error!.message!, "holds another offloaded literal");
});

Deno.test("inputs: an offloaded collection whose element points back at it is USER:InvalidInput", async () => {
  const uri = await offloadedTo((self) =>
    encodeLiteral({ collection: { literals: [{ offloadedMetadata: { uri: self } }] } })
  );
  const run = await runWithBytes({
    template: testTemplate("echo", "tests.echo", {
      inputs: { n: Types.list(Types.list(Types.integer)).literalType },
    }),
    inputs: { literals: { n: { offloadedMetadata: { uri } } } },
    timeoutMs: 15_000,
  });
  assertEquals(run.signal, null, "killed: the run looped");
  assertFailed(run, userError("USER:InvalidInput"), 0);
});

Deno.test("inputs: an array task whose offloaded collection is garbage is USER:InvalidInput", async () => {
  const uri = await offloadedTo(() => new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
  const run = await runWithBytes({
    template: testTemplate("echo", "tests.echo", {
      inputs: { xs: Types.list(Types.integer).literalType },
      outputs: { xs: Types.list(Types.integer).literalType },
    }),
    inputs: { literals: { xs: { offloadedMetadata: { uri } } } },
    arrayIndex: 0,
  });
  assertFailed(run, userError("USER:InvalidInput"), 0);
  assertStringIncludes(run.error!.message!, '"xs"');
});

// Regressions: local paths that are not regular files (reading a FIFO without a writer blocked
// forever; a device such as /dev/zero would fill memory or the disk).

async function fifo(): Promise<string> {
  const dir = await tempDir({ prefix: "flyteshim-fifo-" });
  const out = await new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).output();
  assert(out.success, "mkfifo failed");
  return `${dir}/fifo`;
}

Deno.test("inputs: SQLite3 uri naming a FIFO is a USER storage error, not a hang", async () => {
  const path = await fifo();
  const run = await runWithBytes({
    template: sqliteTemplate({ query_template: "select 1", uri: path, compressed: false }),
    inputs: NO_INPUTS,
    timeoutMs: 15_000,
  });
  assertEquals(run.signal, null, "killed: the run blocked");
  assertFailed(run, userError("USER:StorageError"), 0);
  assertStringIncludes(run.error!.message!, "not a regular file");
});

Deno.test("inputs: --inputs naming a FIFO is a USER storage error, not a hang", async () => {
  const path = await fifo();
  const run = await runWithBytes({
    template,
    args: template.container!.args!.map((a) => a === "{{.input}}" ? path : a),
    timeoutMs: 15_000,
  });
  assertEquals(run.signal, null, "killed: the run blocked");
  assertFailed(run, userError("USER:StorageError"), 0);
});

for (const where of ["string", "map-key"]) {
  Deno.test(`outputs: a ${where} with a lone surrogate is SYSTEM:InvalidOutput, not an unreadable outputs.pb`, async () => {
    const run = await runPropeller({
      program: denoProgram("_testing/reliability_main.ts"),
      template: testTemplate("lone-surrogate", "tests.lone-surrogate", {
        custom: { where },
        outputs: where === "string"
          ? { s: Types.string.literalType }
          : { m: Types.map(Types.integer).literalType },
      }),
    });
    assertFailed(run, systemError("SYSTEM:InvalidOutput", false), 0);
    assertStringIncludes(run.error!.message!, "lone surrogate");
  });
}

// Regressions: malformed or non-file database URIs are the user's mistake, reported at once
// (folders and bad URLs were SYSTEM:StorageError, recoverable; bad http URLs were retried).
const URI_CASES: [uri: string, code: string][] = [
  ["file://", "USER:NotFound"],
  ["file:///", "USER:NotFound"],
  ["/", "USER:NotFound"],
  ["..", "USER:NotFound"],
  ["file://host/db.sqlite", "USER:InvalidInput"],
  ["http://", "USER:InvalidInput"],
  ["https://[::1", "USER:InvalidInput"],
  ["s3://", "USER:InvalidInput"],
  ["ftp://host/db.sqlite", "USER:UnsupportedScheme"],
  ["relative/missing.db", "USER:NotFound"],
  ["/dev/null", "USER:StorageError"],
];

Deno.test("inputs: SQLite3 uri that is malformed, a folder or not a file is a USER error at once", async () => {
  const { parseExecuteArgs } = await import("../entrypoint/args.ts");
  const { NULL_LOGGER } = await import("../entrypoint/dispatch.ts");
  const { runExecute } = await import("../entrypoint/execute.ts");
  const { createExecutorRegistry } = await import("../executors/mod.ts");
  const { BUILTIN_EXECUTORS } = await import("../executors/builtin.ts");
  const { decodeErrorDocument } = await import("../idl/mod.ts");
  const registry = createExecutorRegistry(BUILTIN_EXECUTORS);
  const dir = await tempDir({ prefix: "flyteshim-uris-" });
  for (const [uri, code] of URI_CASES) {
    await Deno.remove(`${dir}/out`, { recursive: true }).catch(() => {});
    await Deno.writeFile(
      `${dir}/task.pb`,
      encodeTaskTemplate(sqliteTemplate({ query_template: "select 1", uri, compressed: false })),
    );
    const started = performance.now();
    const exit = await runExecute(
      parseExecuteArgs(folderArgs(dir, "flyteshim.sqlite3")),
      { env: {}, registry, logger: NULL_LOGGER },
    );
    const ms = performance.now() - started;
    assertEquals(exit, 0, uri);
    assertEquals([...Deno.readDirSync(`${dir}/out`)].map((e) => e.name), ["error.pb"], uri);
    const error = decodeErrorDocument(await Deno.readFile(`${dir}/out/error.pb`)).error!;
    assertEquals(
      [error.code, error.kind, error.origin],
      userError(code),
      `${uri}: ${error.message}`,
    );
    assert(ms < 1_000, `${uri}: ${ms} ms (retried?)`);
  }
});
