// Type-level tests: code a TypeScript user could write against the SDK, checked by `deno check`
// in a separate temporary project (it imports `@flyteshim/flyteshim` through `links`, as the
// getting-started guide shows). Each wrong file must fail with the message that names what is
// wrong, and the right file must pass. The files live only in the temporary project, so
// `deno check .` of this repository never sees them.
import { removing, tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

const PRELUDE =
  `import { defineTask, readDataset, sqlite3Task, sqlTask, Types } from "@flyteshim/flyteshim";
import { defineExecutor } from "@flyteshim/flyteshim/executors";

const inputs = { text: Types.string };
const outputs = { out: Types.string };
export const shout = defineExecutor({
  id: "x.shout",
  taskTypes: ["shout"],
  inputs,
  outputs,
  parseConfig: (custom: { times: number }) => custom,
  execute: (config, given) => Promise.resolve({ out: given.text.repeat(config.times) }),
});
export { defineTask, inputs, outputs, readDataset, sqlite3Task, sqlTask, Types };
`;

/** Files that must fail, each with the message expected at its one error. */
const WRONG: Record<string, { code: string; message: string }> = {
  config: {
    code:
      `defineTask({ name: "a", taskType: "shout", executor: shout, inputs, outputs, config: { times: "2" } });`,
    message: "Type 'string' is not assignable to type 'number'",
  },
  task_type: {
    code:
      `defineTask({ name: "a", taskType: "yell", executor: shout, inputs, outputs, config: { times: 2 } });`,
    message: `Type '"yell"' is not assignable to type '"shout"'`,
  },
  task_inputs: {
    code:
      `defineTask({ name: "a", taskType: "shout", executor: shout, inputs: { text: Types.integer }, outputs });`,
    message:
      `"Error: the executor reads inputs the task does not declare with these types": "text"`,
  },
  task_outputs: {
    code:
      `defineTask({ name: "a", taskType: "shout", executor: shout, inputs, outputs: { out: Types.integer } });`,
    message: `"Error: the executor returns outputs the task's outputs cannot take": "out"`,
  },
  executor_returns: {
    code: `defineExecutor({ id: "x.bad", taskTypes: ["bad"], outputs, parseConfig: () => ({}),
  execute: () => Promise.resolve({ out: 3 }) });`,
    message: "Type 'number' is not assignable to type 'string'",
  },
  executor_inputs: {
    code: `defineExecutor({ id: "x.bad", taskTypes: ["bad"], inputs, parseConfig: () => ({}),
  execute: (_config, given) => Promise.resolve({ n: given.text.toFixed(2) }) });`,
    message: "Property 'toFixed' does not exist on type 'string'",
  },
  sql_two_outputs: {
    code: `sqlite3Task({ name: "a", queryTemplate: "select 1", uri: "x.db",
  outputs: { rows: Types.structuredDataset(), more: Types.structuredDataset() } });`,
    message: `"Error: a SQL task has one dataset output (or none); it declares": "rows" | "more"`,
  },
  sql_not_dataset: {
    code:
      `sqlTask({ name: "a", queryTemplate: "select 1", uri: "postgresql://h/d", outputs: { n: Types.integer } });`,
    message: `"Error: the output of a SQL task must be a structured dataset": "n"`,
  },
  dataset_rows: {
    code: `const t = sqlite3Task({ name: "a", queryTemplate: "select 1", uri: "x.db",
  outputs: { rows: Types.structuredDataset({ columns: { id: Types.integer } }) } });
const { rows } = await t.run({});
const name: string = (await readDataset(rows)).rows[0].id;`,
    message: "Type 'bigint | null' is not assignable to type 'string'",
  },
  struct_shape: {
    code: `const t = defineTask({ name: "a", taskType: "x", executor: "x.x",
  inputs: { settings: Types.struct<{ limit: number }>() } });
await t.run({ settings: { limit: "ten" } });`,
    message: "Type 'string' is not assignable to type 'number'",
  },
  run_inputs: {
    code: `const t = defineTask({ name: "a", taskType: "shout", executor: shout, inputs, outputs });
await t.run({ txt: "hi" });`,
    message: "'txt' does not exist in type '{ text: string; }'",
  },
};

/** One file that uses every typed path rightly: it must pass. */
const RIGHT = `const task = defineTask({
  name: "a", taskType: "shout", executor: shout, inputs, outputs, config: { times: 2 },
});
const { out }: { out: string } = await task.run({ text: "hi" });
const sql = sqlite3Task({ name: "b", queryTemplate: "select 1", uri: "x.db",
  outputs: { rows: Types.structuredDataset({ columns: { id: Types.integer, at: Types.datetime } }) } });
const none = sqlTask({ name: "c", queryTemplate: "delete from t", uri: "postgresql://h/d", outputs: {} });
const { rows } = await sql.run({});
const first = (await readDataset(rows)).rows[0];
const id: bigint | null = first.id;
const at: Date | null = first.at;
const forms = defineTask({ name: "d", taskType: "x", executor: "x.x",
  inputs: { when: Types.datetime, ratio: Types.float, every: Types.duration, note: Types.optional(Types.string),
    settings: Types.struct<{ limit: number }>() } });
await forms.run({ when: "2024-01-01T00:00:00Z", ratio: 2n, every: "1h30m", settings: { limit: 1 } });
export { at, id, none, out };
`;

function setup(project: string, files: Record<string, string>): Promise<void[]> {
  return Promise.all([
    Deno.writeTextFile(
      `${project}/deno.json`,
      JSON.stringify({
        imports: { "@flyteshim/flyteshim": "jsr:@flyteshim/flyteshim@^0.1.0" },
        links: [ROOT],
      }),
    ),
    Deno.writeTextFile(`${project}/prelude.ts`, PRELUDE),
    ...Object.entries(files).map(([name, code]) =>
      Deno.writeTextFile(
        `${project}/${name}.ts`,
        `import { defineExecutor } from "@flyteshim/flyteshim/executors";
import { defineTask, inputs, outputs, readDataset, shout, sqlite3Task, sqlTask, Types } from "./prelude.ts";
void [defineExecutor, defineTask, inputs, outputs, readDataset, shout, sqlite3Task, sqlTask, Types];
${code}
`,
      )
    ),
  ]);
}

async function check(project: string, files: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", ...files.map((f) => `${f}.ts`)],
    cwd: project,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, text: new TextDecoder().decode(out.stderr) };
}

Deno.test("types: mistakes a TypeScript user makes fail deno check with a message naming them", async () => {
  const project = await tempDir({ prefix: "flyteshim-types-" });
  await using _project = removing(project);
  const files = Object.fromEntries(Object.entries(WRONG).map(([k, v]) => [k, v.code]));
  await setup(project, { ...files, right: RIGHT });
  const right = await check(project, ["right"]);
  assertEquals(right.code, 0, right.text);
  const wrong = await check(project, Object.keys(WRONG));
  assert(wrong.code !== 0);
  // Errors by file: each wrong file has exactly one, with the expected message.
  const errors = wrong.text.split(/\n(?=TS\d+ \[ERROR\])/).filter((e) => e.startsWith("TS"));
  for (const [name, { message }] of Object.entries(WRONG)) {
    const own = errors.filter((e) => e.includes(`file://${project}/${name}.ts:`));
    assertEquals(own.length, 1, `${name}.ts:\n${own.join("\n") || wrong.text}`);
    assertStringIncludes(own[0], message, name);
  }
});
