import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  decodeTaskTemplate,
  encodeTaskTemplate,
  flyteidl,
  fromInt64,
  structToJson,
} from "../idl/mod.ts";
import { Duration } from "../types/values.ts";
import { Types } from "../types/descriptors.ts";
import { defineTask } from "./define.ts";
import { sqlite3Task, sqlTask } from "./sql.ts";
import { containerArgs, toTaskSpec, toTaskTemplate, VERSION } from "./serialize.ts";
import denoConfig from "../deno.json" with { type: "json" };

const FIXTURE = new URL("../testdata/idl/flytekit-sqlite3/template.pb", import.meta.url);
const IMAGE = "ghcr.io/acme/flyteshim:0.1.0";

function tracks(overrides: Record<string, unknown> = {}) {
  return sqlite3Task({
    name: "sqlite_plain",
    image: IMAGE,
    queryTemplate: "select TrackId, Name from tracks limit {{ .inputs.limit }}",
    uri: "chinook-mini.db",
    inputs: { limit: Types.integer },
    ...overrides,
  });
}

Deno.test("toTaskTemplate() a SQLite3 task serializes to flytekit's custom, type and interface shape", async () => {
  const fixture = decodeTaskTemplate(await Deno.readFile(FIXTURE));
  const template = decodeTaskTemplate(encodeTaskTemplate(toTaskTemplate(tracks())));
  assertEquals(template.type, fixture.type);
  assertEquals(structToJson(template.custom), structToJson(fixture.custom));
  assertEquals(template.interface?.inputs, fixture.interface?.inputs);
  assertEquals(Object.keys(template.interface?.outputs?.variables ?? {}), ["results"]);
  assertEquals(template.interface?.outputs?.variables?.results.description, "results");
  assert(template.interface?.outputs?.variables?.results.type?.structuredDatasetType);
});

Deno.test("toTaskTemplate() flytekit-compatible args are flytekit's own template's plus the checkpoint flags", async () => {
  const fixture = decodeTaskTemplate(await Deno.readFile(FIXTURE));
  const template = toTaskTemplate(tracks(), { flytekitCompatible: true });
  const expected = [...fixture.container?.args ?? []];
  expected.splice(
    expected.indexOf("--resolver"),
    0,
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
  );
  assertEquals(template.container?.args, expected);
  assertEquals(template.container?.command ?? [], []);
});

Deno.test("toTaskTemplate() flyteshim args mirror pyflyte-execute with flyteshim's resolver and the executor id", () => {
  const args = toTaskTemplate(tracks()).container?.args ?? [];
  assertEquals(args, [
    "pyflyte-execute",
    "--inputs",
    "{{.input}}",
    "--output-prefix",
    "{{.outputPrefix}}",
    "--raw-output-data-prefix",
    "{{.rawOutputDataPrefix}}",
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
    "--resolver",
    "flyteshim.resolver",
    "--",
    "{{.taskTemplatePath}}",
    "flyteshim.sqlite3",
  ]);
  assertEquals(containerArgs("x.y").at(-1), "x.y");
});

Deno.test("toTaskTemplate() runtime, retries, timeout, interruptible and cache", () => {
  const task = tracks({
    retries: 3,
    timeout: 90.5,
    interruptible: true,
    cache: { version: "2", serialize: true, ignoreInputs: ["limit"] },
  });
  const template = decodeTaskTemplate(encodeTaskTemplate(toTaskTemplate(task)));
  const m = template.metadata!;
  assertEquals(m.runtime?.type, flyteidl.core.RuntimeMetadata.RuntimeType.FLYTE_SDK);
  assertEquals([m.runtime?.version, m.runtime?.flavor], [denoConfig.version, "flyteshim"]);
  assertEquals(VERSION, denoConfig.version);
  assertEquals(m.retries?.retries, 3);
  assertEquals([fromInt64(m.timeout?.seconds), m.timeout?.nanos], [90n, 500_000_000]);
  assertEquals(m.interruptible, true);
  assertEquals([m.discoverable, m.discoveryVersion, m.cacheSerializable], [true, "2", true]);
  assertEquals(m.cacheIgnoreInputVars, ["limit"]);
  const duration = toTaskTemplate(tracks({ timeout: new Duration(3600n) })).metadata?.timeout;
  assertEquals(fromInt64(duration?.seconds), 3600n);
});

Deno.test("toTaskTemplate() image, resources, environment; identifier left for flytectl", () => {
  const task = tracks({
    requests: { cpu: 1, memory: "512Mi" },
    limits: { cpu: "2", memory: "1Gi", ephemeralStorage: "5Gi", gpu: 1 },
    environment: { LOG: "debug" },
  });
  const t = toTaskTemplate(task, { overrideImage: "other:2" });
  const R = flyteidl.core.Resources.ResourceName;
  assertEquals(t.container?.image, "other:2");
  // A default image fills only tasks without one.
  assertEquals(toTaskTemplate(task, { image: "default:3" }).container?.image, IMAGE);
  assertEquals(t.container?.resources?.requests, [
    { name: R.CPU, value: "1" },
    { name: R.MEMORY, value: "512Mi" },
  ]);
  assertEquals(t.container?.resources?.limits?.map((e) => e.name), [
    R.CPU,
    R.GPU,
    R.MEMORY,
    R.EPHEMERAL_STORAGE,
  ]);
  assertEquals(t.container?.env, [{ key: "LOG", value: "debug" }]);
  assertEquals(t.id, {
    resourceType: flyteidl.core.ResourceType.TASK,
    project: "",
    domain: "",
    name: "sqlite_plain",
    version: "",
  });
  assertEquals(t.securityContext, undefined);
});

Deno.test("toTaskTemplate() custom goes through the Struct: numbers become doubles, undefined keys vanish", () => {
  const task = defineTask({
    name: "cfg",
    taskType: "cfg",
    executor: "x.cfg",
    image: IMAGE,
    config: { port: 5432, nested: { list: [1, "a", null, true] }, gone: undefined },
  });
  const template = decodeTaskTemplate(encodeTaskTemplate(toTaskTemplate(task)));
  assertEquals(template.custom?.fields?.port?.numberValue, 5432);
  assertEquals(structToJson(template.custom), {
    port: 5432,
    nested: { list: [1, "a", null, true] },
  });
});

Deno.test("toTaskTemplate() a SQL task writes flytekit's SQLAlchemy custom and requests its secrets", () => {
  const task = sqlTask({
    name: "users",
    image: IMAGE,
    queryTemplate: "select * from users where id = {{ .inputs.id }}",
    uri: "postgresql://app@db:5432/app",
    inputs: { id: Types.integer },
    connectArgs: { connect_timeout: 5 },
    secretConnectArgs: { password: { group: "db", key: "password", mount: "env_var" } },
    secrets: [{ group: "other", key: "token", groupVersion: "v1", mount: "file", envVar: "TOK" }],
  });
  const t = toTaskTemplate(task);
  assertEquals(t.type, "sqlalchemy");
  assertEquals(t.container?.args?.at(-1), "flyteshim.sql");
  assertEquals(
    toTaskTemplate(task, { flytekitCompatible: true }).container?.args?.at(-1),
    "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor",
  );
  assertEquals(structToJson(t.custom), {
    query_template: "select * from users where id = {{ .inputs.id }}",
    uri: "postgresql://app@db:5432/app",
    connect_args: { connect_timeout: 5 },
    secret_connect_args: {
      password: { group: "db", key: "password", group_version: null, mount_requirement: 1 },
    },
  });
  const M = flyteidl.core.Secret.MountType;
  assertEquals(t.securityContext?.secrets, [
    { group: "other", key: "token", groupVersion: "v1", mountRequirement: M.FILE, envVar: "TOK" },
    { group: "db", key: "password", mountRequirement: M.ENV_VAR },
  ]);
  const noSecrets = toTaskTemplate(
    sqlTask({ name: "n", image: IMAGE, queryTemplate: "select 1", uri: "mysql://h/d" }),
  );
  assertEquals(structToJson(noSecrets.custom).secret_connect_args, null);
});

Deno.test("toTaskSpec() a task spec carries the template and the description", () => {
  const spec = toTaskSpec(tracks({ description: "First tracks" }));
  assertEquals(spec.template?.id?.name, "sqlite_plain");
  assertEquals(spec.description?.shortDescription, "First tracks");
  assertEquals(toTaskSpec(tracks()).description, undefined);
});

Deno.test("toTaskTemplate() misuse is refused with built-in errors", () => {
  const noImage = defineTask({ name: "a", taskType: "t", executor: "x.a" });
  assertThrows(() => toTaskTemplate(noImage), TypeError, "no container image");
  assertThrows(
    () =>
      toTaskTemplate(defineTask({ name: "a", taskType: "t", executor: "x", image: IMAGE }), {
        flytekitCompatible: true,
      }),
    TypeError,
    "flytekitExecutor",
  );
  assertThrows(
    () =>
      toTaskTemplate(
        defineTask({
          name: "a",
          taskType: "t",
          executor: "x",
          image: IMAGE,
          config: { n: 1n as unknown as number },
        }),
      ),
    TypeError,
    "Cannot serialize the config",
  );
  assertThrows(() => toTaskTemplate(tracks({ timeout: -1 })), RangeError);
  assertThrows(
    () => toTaskTemplate(tracks({ secrets: [{ group: "", key: "k" }] })),
    TypeError,
    "group and a key",
  );
  assertThrows(() => defineTask({ name: "a b", taskType: "t", executor: "x" }), TypeError);
  assertThrows(() => defineTask({ name: "a", taskType: "", executor: "x" }), TypeError);
  assertThrows(() => defineTask({ name: "a", taskType: "t", executor: "" }), TypeError);
  assertThrows(
    () => defineTask({ name: "a", taskType: "t", executor: "x", retries: 1.5 }),
    RangeError,
  );
  assertThrows(
    () => tracks({ cache: { version: "1", ignoreInputs: ["nope"] } }),
    TypeError,
    '"nope"',
  );
  // Not fooled by what every object inherits.
  assertThrows(
    () => tracks({ cache: { version: "1", ignoreInputs: ["toString"] } }),
    TypeError,
    '"toString"',
  );
  assertThrows(() => sqlite3Task({ name: "a", queryTemplate: " ", uri: "x" }), TypeError);
  assertThrows(
    () =>
      toTaskTemplate(
        tracks({ secrets: [{ group: "g", key: "k", mount: "disk" as "file" }] }),
      ),
    TypeError,
    "mount",
  );
});

Deno.test("toTaskTemplate() invalid resource quantities are refused when serializing, not on the cluster", () => {
  for (const memory of ["1 GB", "2gb", "lots", "-1Gi"]) {
    assertThrows(
      () => toTaskTemplate(tracks({ requests: { memory } })),
      TypeError,
      `resource "memory" is "${memory}", not a Kubernetes quantity`,
    );
  }
  assertThrows(() => toTaskTemplate(tracks({ limits: { cpu: Infinity } })), TypeError, '"cpu"');
  const ok = toTaskTemplate(tracks({ requests: { cpu: "0.5", memory: "512Mi", gpu: 1 } }));
  assertEquals(ok.container?.resources?.requests?.map((e) => e.value), ["0.5", "1", "512Mi"]);
});

Deno.test("toTaskTemplate() input and output descriptions reach the interface; the rest keep their names", () => {
  const task = defineTask({
    name: "d",
    taskType: "t",
    executor: "x",
    image: IMAGE,
    inputs: { limit: Types.integer, note: Types.string },
    outputs: { rows: Types.structuredDataset() },
    descriptions: { limit: "How many rows", rows: "The rows" },
  });
  const { inputs, outputs } = toTaskTemplate(task).interface ?? {};
  assertEquals(inputs?.variables?.limit.description, "How many rows");
  assertEquals(inputs?.variables?.note.description, "note");
  assertEquals(outputs?.variables?.rows.description, "The rows");
  assertThrows(
    () =>
      defineTask({
        name: "d",
        taskType: "t",
        executor: "x",
        inputs: { limit: Types.integer },
        descriptions: { nope: "?" } as { limit?: string },
      }),
    TypeError,
    '"nope"',
  );
});

Deno.test("toTaskTemplate() SQL tasks take one dataset output or none, also when the types are bypassed", () => {
  const base = { name: "q", image: IMAGE, queryTemplate: "select 1", uri: "s3://b/k.db" };
  const two = { a: Types.structuredDataset(), b: Types.structuredDataset() };
  // @ts-expect-error: a SQL task has one dataset output
  assertThrows(() => sqlite3Task({ ...base, outputs: two }), TypeError, '"a", "b"');
  assertThrows(
    // @ts-expect-error: the output must be a dataset
    () => sqlTask({ ...base, uri: "postgresql://h/d", outputs: { n: Types.integer } }),
    TypeError,
    'output "n" must be a structured dataset',
  );
  assertEquals(toTaskTemplate(sqlite3Task({ ...base, outputs: {} })).interface?.outputs, {
    variables: {},
  });
});
