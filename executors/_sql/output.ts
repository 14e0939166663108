// The one output a SQL task may declare, shared by the SQLite3 and SQL executors.
import { UserError } from "../../errors.ts";
import type { LiteralType, TaskTemplate } from "../../idl/mod.ts";

/** The declared dataset output of a SQL task. */
export interface DatasetOutput {
  /** The output's name (flytekit declares `results`). */
  name: string;
  /** Its declared type: a structured dataset or a legacy schema. */
  type: LiteralType;
}

/**
 * The dataset output a SQL task declares, or `undefined` when it declares none (the statement
 * just runs).
 *
 * @throws {UserError} With code `USER:InvalidConfig` for more than one output, or one that is
 * neither a structured dataset nor a schema.
 */
export function datasetOutputOf(template: TaskTemplate, task: string): DatasetOutput | undefined {
  const variables = template.interface?.outputs?.variables ?? {};
  const names = Object.keys(variables);
  if (names.length === 0) return undefined;
  if (names.length > 1) {
    throw new UserError(
      `Cannot run the ${task} task: it declares ${names.length} outputs (${
        names.map((n) => `"${n}"`).join(", ")
      }); a query has one result`,
      { code: "USER:InvalidConfig" },
    );
  }
  const type = variables[names[0]].type ?? {};
  if (!type.structuredDatasetType && !type.schema) {
    throw new UserError(
      `Cannot run the ${task} task: output "${names[0]}" must be a structured dataset or a schema`,
      { code: "USER:InvalidConfig" },
    );
  }
  return { name: names[0], type };
}
