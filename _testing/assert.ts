// The subset of `@std/assert` the tests use, over `node:assert/strict`, because JSR is not
// reachable from the build machines. deno.json maps "@std/assert" here; switching to
// `jsr:@std/assert` is a one-line change in deno.json.
import nodeAssert from "node:assert/strict";

/** Asserts that a value is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message);
}

/** Asserts that a value is falsy. */
export function assertFalse(value: unknown, message?: string): void {
  nodeAssert.ok(!value, message);
}

/** Asserts deep equality. */
export function assertEquals<T>(
  actual: unknown,
  expected: T,
  message?: string,
): asserts actual is T {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Asserts deep inequality. */
export function assertNotEquals(actual: unknown, expected: unknown, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

/** Asserts that a value is neither null nor undefined. */
export function assertExists<T>(value: T, message?: string): asserts value is NonNullable<T> {
  nodeAssert.ok(value !== null && value !== undefined, message ?? "expected a value");
}

/** Asserts that a string contains another. */
export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  nodeAssert.ok(
    actual.includes(expected),
    message ?? `expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
  );
}

/** Asserts that a string matches a pattern. */
export function assertMatch(actual: string, expected: RegExp, message?: string): void {
  nodeAssert.match(actual, expected, message);
}

/** Asserts that a string does not match a pattern. */
export function assertNotMatch(actual: string, expected: RegExp, message?: string): void {
  nodeAssert.doesNotMatch(actual, expected, message);
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/**
 * Asserts that a function throws (optionally an instance of a class whose message includes text).
 */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  errorClass?: ErrorClass<E>,
  msgIncludes?: string,
): E {
  try {
    fn();
  } catch (error) {
    checkError(error, errorClass, msgIncludes);
    return error as E;
  }
  throw new nodeAssert.AssertionError({ message: "Expected function to throw" });
}

/**
 * Asserts that a promise rejects (optionally with an instance of a class whose message includes
 * text).
 */
export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  errorClass?: ErrorClass<E>,
  msgIncludes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    checkError(error, errorClass, msgIncludes);
    return error as E;
  }
  throw new nodeAssert.AssertionError({ message: "Expected promise to reject" });
}

function checkError(error: unknown, errorClass?: ErrorClass<Error>, msgIncludes?: string): void {
  if (errorClass && !(error instanceof errorClass)) {
    throw new nodeAssert.AssertionError({
      message: `Expected error to be instance of "${errorClass.name}", but was "${
        (error as Error)?.constructor?.name
      }": ${error}`,
    });
  }
  if (msgIncludes !== undefined) assertStringIncludes((error as Error).message, msgIncludes);
}

/** Fails the test. */
export function fail(message?: string): never {
  throw new nodeAssert.AssertionError({ message: message ?? "Failed assertion" });
}
