// Shared pieces of the runtime suites: templates for the test executors and the test program.
import { jsonToStruct, type JsonValue, type LiteralType, type TaskTemplate } from "../idl/mod.ts";
import { denoProgram, flytekitContainerArgs } from "./propeller.ts";

/** The entrypoint with the test executors registered. */
export const TEST_PROGRAM: readonly string[] = denoProgram("_testing/executors_main.ts");

/** Options of {@linkcode testTemplate}. */
export interface TestTemplateOptions {
  inputs?: Record<string, LiteralType>;
  outputs?: Record<string, LiteralType>;
  custom?: Record<string, JsonValue>;
  args?: string[];
  env?: Record<string, string>;
}

/** A template as flytekit serializes a prebuilt-container task, for one of the test executors. */
export function testTemplate(
  type: string,
  executor: string,
  options: TestTemplateOptions = {},
): TaskTemplate {
  const vars = (m: Record<string, LiteralType> = {}) => ({
    variables: Object.fromEntries(
      Object.entries(m).map(([name, type]) => [name, { type, description: name }]),
    ),
  });
  return {
    id: {
      resourceType: 1,
      project: "flytesnacks",
      domain: "development",
      name: `tests.${type}`,
      version: "v1",
    },
    type,
    metadata: { runtime: { type: 1, version: "1.16.10", flavor: "python" }, retries: {} },
    interface: { inputs: vars(options.inputs), outputs: vars(options.outputs) },
    custom: jsonToStruct(options.custom ?? {}),
    container: {
      image: "flyteshim:test",
      args: options.args ?? flytekitContainerArgs(executor),
      env: Object.entries(options.env ?? {}).map(([key, value]) => ({ key, value })),
    },
  };
}
