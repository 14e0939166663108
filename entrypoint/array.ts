// Array tasks (docs/flyte-contract.md#array-tasks): a sub-node reads its parent's inputs.pb and
// takes element `index` of every collection input; inputs of non-collection type are bound and pass
// as they are.
import { UserError } from "../errors.ts";
import { decodeLiteral, type Literal, type LiteralMap, type Variable } from "../idl/core.ts";
import type { Storage } from "../storage/mod.ts";

/** Options of {@linkcode selectArrayElement}. */
export interface SelectArrayElementOptions {
  /** The index of this sub-node. */
  index: number;
  /** Reads offloaded collections. */
  storage: Storage;
  /** Aborts reads. */
  signal?: AbortSignal;
}

async function resolveOffloaded(
  literal: Literal,
  name: string,
  options: SelectArrayElementOptions,
): Promise<Literal> {
  const uri = literal.offloadedMetadata?.uri;
  if (!uri) return literal;
  const bytes = await options.storage.read(uri, { signal: options.signal });
  try {
    return decodeLiteral(bytes);
  } catch (cause) {
    throw new UserError(
      `Cannot read input "${name}" offloaded to "${uri}": not a binary flyteidl.core.Literal`,
      { code: "USER:InvalidInput", cause },
    );
  }
}

/**
 * Picks element `index` of every collection-typed input and narrows its declared type to the
 * element type, as propeller's ArrayNode and flytekit's map tasks do.
 *
 * @throws {UserError} With code `USER:InvalidInput` when an input is not a collection or is
 * shorter than the index.
 *
 * @example Element 1 of a list input
 * ```ts
 * import { selectArrayElement } from "./array.ts";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const n = (v: number) => ({ scalar: { primitive: { floatValue: v } } });
 * const { inputs, variables } = await selectArrayElement(
 *   { literals: { xs: { collection: { literals: [n(1), n(2)] } } } },
 *   { xs: { type: { collectionType: { simple: 2 } } } },
 *   { index: 1, storage: createStorage() },
 * );
 * assertEquals(inputs.literals?.xs.scalar?.primitive?.floatValue, 2);
 * assertEquals(variables.xs.type, { simple: 2 });
 * ```
 */
export async function selectArrayElement(
  inputs: LiteralMap,
  variables: Record<string, Variable>,
  options: SelectArrayElementOptions,
): Promise<{ inputs: LiteralMap; variables: Record<string, Variable> }> {
  const literals: NonNullable<LiteralMap["literals"]> = { ...inputs.literals };
  const narrowed: Record<string, Variable> = { ...variables };
  for (const [name, variable] of Object.entries(variables)) {
    const elementType = variable.type?.collectionType;
    const literal = literals[name];
    if (!elementType || !literal) continue;
    const resolved = await resolveOffloaded(literal, name, options);
    const items = resolved.collection?.literals;
    if (!items) {
      throw new UserError(
        `Cannot select element ${options.index} of input "${name}": it is not a collection`,
        { code: "USER:InvalidInput" },
      );
    }
    if (options.index >= items.length) {
      throw new UserError(
        `Cannot select element ${options.index} of input "${name}": it has ${items.length} elements`,
        { code: "USER:InvalidInput" },
      );
    }
    literals[name] = items[options.index];
    narrowed[name] = { ...variable, type: elementType };
  }
  return { inputs: { literals }, variables: narrowed };
}
