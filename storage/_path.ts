// Path helpers for the local backend, without node:path / node:url: importing any node: module
// costs about 6 ms of start-up (Deno's Node compatibility layer), and every task run uses this
// backend. POSIX paths only, as the executor runs on Linux.

/** The parent folder of a path (`.` for a bare name, `/` for the root). */
export function dirname(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") || "/" : path;
  const slash = trimmed.lastIndexOf("/");
  if (slash < 0) return ".";
  if (slash === 0) return "/";
  return trimmed.slice(0, slash).replace(/\/+$/, "") || "/";
}

/**
 * The path of a `file://` URI: `file:///a/b%20c` and `file://localhost/a` are `/a/b c` and `/a`.
 *
 * @throws {TypeError} With `code` `ERR_INVALID_URL` for a malformed URI, `ERR_INVALID_FILE_URL`
 * for one with another host or an encoded slash, which name no local file.
 */
export function fromFileUrl(uri: string): string {
  const invalid = (detail: string, code = "ERR_INVALID_FILE_URL") =>
    Object.assign(new TypeError(`File URL ${detail}`), { code });
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid("is not a valid URL", "ERR_INVALID_URL");
  }
  if (url.protocol !== "file:") throw invalid("must use the file: scheme");
  if (url.hostname !== "" && url.hostname !== "localhost") {
    throw invalid(`host must be "localhost" or empty, not "${url.hostname}"`);
  }
  if (/%2f/i.test(url.pathname)) throw invalid("path must not include encoded / characters");
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    // A `%` not followed by two hex digits, or escapes that are not UTF-8.
    throw invalid("has a malformed percent-encoding", "ERR_INVALID_URL");
  }
}
