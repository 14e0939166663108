// What propeller and Flyte 2's backend leave for "nothing" in a rendered argument.

/**
 * Whether a value is what propeller leaves for "nothing": empty, the two characters `""`, or an
 * unrendered `{{.placeholder}}`.
 *
 * @example Absent values
 * ```ts
 * import { isAbsent } from "./_absent.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(isAbsent('""'), true);
 * assertEquals(isAbsent("{{.prevCheckpointPrefix}}"), true);
 * assertEquals(isAbsent("s3://bucket/cp"), false);
 * ```
 */
export function isAbsent(value: string | undefined): boolean {
  if (value === undefined) return true;
  const v = value.trim();
  return v === "" || v === '""' || /^\{\{\s*[.$][A-Za-z0-9_.]+\s*\}\}$/.test(v);
}
