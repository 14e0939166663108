/**
 * Test harness: a loopback HTTP/1.1 proxy (raw TCP, so it can reset connections) in front of an
 * HTTP server that misbehaves on the next N requests, then forwards faithfully. It answers every
 * request with `Connection: close`, so a keep-alive client sends each request, retries included, on
 * a new connection.
 *
 * Faults: `503` (an S3-style `ServiceUnavailable` answer), `slowdown` (503 `SlowDown`, S3's
 * throttling), `500`, `reset` (the connection is dropped before any answer: the client sees a
 * reset), `stall` (the request is read and never answered, for timeouts), `truncate` (the request
 * is forwarded and the connection dropped after the first KiB of the answer's body).
 *
 * @module
 */

import { disposable } from "./service.ts";

/** What the proxy does to a faulted connection. */
export type Fault = "503" | "slowdown" | "500" | "reset" | "stall" | "truncate";

/** A running proxy. */
export interface FaultyProxy extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The bound port. */
  port: number;
  /** Faults `count` requests with `fault`, after letting `after` more requests through. */
  fail(count: number, fault: Fault, options?: { after?: number }): void;
  /** Faults still to be served. */
  readonly pending: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Requests seen so far (faulted or forwarded). */
  readonly requests: number;
  /** Stops listening and closes every open connection. */
  stop(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to `127.0.0.1:<targetPort>`. */
export function startFaultyProxy(targetPort: number): FaultyProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const queue: (Fault | "pass")[] = [];
  const open = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  let connections = 0;
  let requests = 0;

  const track = (task: Promise<void>) => {
    tasks.add(task);
    task.finally(() => tasks.delete(task));
  };
  const closeQuietly = (conn: Deno.Conn) => {
    if (!open.delete(conn)) return;
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  };

  const fault = async (conn: Deno.Conn, kind: Fault) => {
    // Dropped before any answer: the client sees a reset ("socket hang up", ECONNRESET).
    if (kind === "reset") return closeQuietly(conn);
    if (kind !== "503" && kind !== "slowdown" && kind !== "500") return; // stall: open until stop()
    const [status, code] = kind === "500"
      ? ["500 Internal Server Error", "InternalError"]
      : ["503 Service Unavailable", kind === "slowdown" ? "SlowDown" : "ServiceUnavailable"];
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>Injected fault</Message></Error>`;
    const answer = `HTTP/1.1 ${status}\r\nContent-Type: application/xml\r\nContent-Length: ${
      new TextEncoder().encode(body).length
    }\r\nConnection: close\r\n\r\n${body}`;
    await writeAll(conn, new TextEncoder().encode(answer)).catch(() => {});
    closeQuietly(conn);
  };

  // One upstream connection per request: "Connection: close" both ways, so every request of a
  // keep-alive client arrives on a new connection and can be faulted.
  const forward = async (
    conn: Deno.Conn,
    head: Uint8Array,
    rest: Uint8Array,
    truncate = false,
  ) => {
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
    } catch {
      return closeQuietly(conn);
    }
    open.add(upstream);
    const done = () => (closeQuietly(conn), closeQuietly(upstream));
    const toUpstream = (async () => {
      await writeAll(upstream, withConnectionClose(head));
      if (rest.length) await writeAll(upstream, rest);
      await conn.readable.pipeTo(upstream.writable, { preventClose: true });
    })().catch(() => {});
    const toClient = (async () => {
      let answer = await readHead(upstream);
      // Interim answers (100 Continue) pass unchanged; the final one gets "Connection: close".
      while (answer && answer.head[9] === 0x31 /* "1" of "HTTP/1.1 1xx" */) {
        await writeAll(conn, answer.head);
        answer = await readHead(upstream, answer.rest);
      }
      if (!answer) return;
      await writeAll(conn, withConnectionClose(answer.head));
      if (truncate) {
        let body = answer.rest;
        while (body.length < 1024) {
          const more = new Uint8Array(1024);
          const n = await upstream.read(more);
          if (n === null) break;
          body = concat(body, more.subarray(0, n));
        }
        return await writeAll(conn, body.subarray(0, 1024));
      }
      if (answer.rest.length) await writeAll(conn, answer.rest);
      await upstream.readable.pipeTo(conn.writable, { preventClose: true });
    })().catch(() => {}).finally(done);
    await Promise.all([toUpstream, toClient]);
  };

  const handle = async (conn: Deno.Conn) => {
    const request = await readHead(conn);
    if (!request) return closeQuietly(conn);
    const kind = queue.shift();
    requests++;
    if (kind === "truncate") await forward(conn, request.head, request.rest, true);
    else if (kind && kind !== "pass") await fault(conn, kind);
    else await forward(conn, request.head, request.rest);
  };

  const accept = (async () => {
    for await (const conn of listener) {
      connections++;
      open.add(conn);
      track(handle(conn));
    }
  })().catch(() => {});

  return disposable<Omit<FaultyProxy, typeof Symbol.asyncDispose>>({
    endpoint: `http://127.0.0.1:${port}`,
    port,
    fail(count, kind, options) {
      for (let i = 0; i < (options?.after ?? 0); i++) queue.push("pass");
      for (let i = 0; i < count; i++) queue.push(kind);
    },
    get pending() {
      return queue.filter((kind) => kind !== "pass").length;
    },
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    async stop() {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
      await accept;
      for (const conn of [...open]) closeQuietly(conn);
      await Promise.allSettled([...tasks]);
    },
  });
}

const HEAD_END = new Uint8Array([13, 10, 13, 10]);

/** Reads an HTTP head (up to the blank line); `rest` is what followed it in the same reads. */
async function readHead(
  conn: Deno.Conn,
  initial: Uint8Array = new Uint8Array(0),
): Promise<{ head: Uint8Array; rest: Uint8Array } | null> {
  let buffered = initial;
  const chunk = new Uint8Array(16 * 1024);
  while (true) {
    const end = indexOf(buffered, HEAD_END);
    if (end >= 0) {
      return { head: buffered.subarray(0, end + 4), rest: buffered.slice(end + 4) };
    }
    const n = await conn.read(chunk).catch(() => null);
    if (n === null) return null;
    buffered = concat(buffered, chunk.subarray(0, n));
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The head with its `Connection` header replaced by `Connection: close`. */
function withConnectionClose(head: Uint8Array): Uint8Array {
  const lines = new TextDecoder("latin1").decode(head).split("\r\n").filter((line) =>
    !/^connection:/i.test(line)
  );
  // lines ends with two empty strings (the blank line): insert before them.
  lines.splice(lines.length - 2, 0, "Connection: close");
  return Uint8Array.from(lines.join("\r\n"), (c) => c.charCodeAt(0));
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let done = 0; done < data.length;) done += await conn.write(data.subarray(done));
}
