// URIs fit for logs and messages, in a module of its own that other folders import: executors log
// every URI they fetch, and the http backend loads only for http(s) URIs.

/**
 * A URI fit for messages: credentials in the authority and the query string (signed URLs carry
 * their signature there) are replaced.
 *
 * @example A signed URL
 * ```ts
 * import { redactUri } from "./redact.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(redactUri("https://u:p@host/a.db?sig=secret"), "https://***@host/a.db?***");
 * ```
 */
export function redactUri(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.username || url.password) {
      url.username = "***";
      url.password = "";
    }
    if (url.search) url.search = "?***";
    return url.toString();
  } catch {
    return uri.replace(/\?.*$/, "?***");
  }
}
