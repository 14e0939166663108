/**
 * Test harness: a small project-owned HTTP server on a free loopback port that speaks the parts of
 * Google's protocols the GCS emulator lacks: chunked resumable uploads (`308 Resume Incomplete`
 * with a `Range`, the `bytes *\/N` status query, 256 KiB chunk alignment), and the token sources
 * (the metadata server's token, an STS token exchange for external accounts). It also serves
 * multipart uploads, object reads, metadata and listings so that a whole round trip can be
 * checked, and records every request's
 * Authorization header. Objects live in memory: keep them to a few MiB.
 *
 * ```ts ignore
 * await using server = startGcsServer({ token: "t-1" });
 * // server.endpoint for GcsConfig.endpoint, server.host for GcsConfig.metadataHost
 * ```
 *
 * @module
 */

const ALIGN = 256 * 1024;

/** Options of {@linkcode startGcsServer}. */
export interface GcsServerOptions {
  /** The bearer token storage requests must carry; the metadata server and STS hand it out. */
  token?: string;
  /** The subject token STS accepts (the external account's credential file contents). */
  subjectToken?: string;
}

/** A request the server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | null;
  contentRange: string | null;
}

/** A running server. */
export interface GcsServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** `127.0.0.1:<port>`, for `GCE_METADATA_HOST`. */
  host: string;
  /** Requests seen so far. */
  requests: SeenRequest[];
  /** Finished objects by `bucket/name`. */
  objects: Map<string, { data: Uint8Array; resource: Record<string, unknown> }>;
  /**
   * The next upload PUT keeps only `bytes` of its body, then answers 503; with `forget`, its
   * session is dropped too (as an expired session is).
   */
  cutNextPut(bytes: number, options?: { forget?: boolean }): void;
  /** Stops the server. */
  stop(): Promise<void>;
}

interface Session {
  resource: Record<string, unknown>;
  bucket: string;
  parts: Uint8Array[];
  received: number;
}

/** Starts the server. */
export function startGcsServer(options: GcsServerOptions = {}): GcsServer {
  const requests: SeenRequest[] = [];
  const objects = new Map<string, { data: Uint8Array; resource: Record<string, unknown> }>();
  const sessions = new Map<string, Session>();
  let cut: number | undefined;
  let forget = false;
  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
  const error = (status: number, message: string) =>
    json({ error: { code: status, message } }, status);

  const finish = (session: Session) => {
    const data = new Uint8Array(session.received);
    let at = 0;
    for (const part of session.parts) {
      data.set(part, at);
      at += part.length;
    }
    const resource = { ...session.resource, bucket: session.bucket, size: String(data.length) };
    objects.set(`${session.bucket}/${session.resource.name}`, { data, resource });
    return json(resource);
  };

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    requests.push({
      method: request.method,
      path: url.pathname + url.search,
      authorization: request.headers.get("authorization"),
      contentRange: request.headers.get("content-range"),
    });
    // The metadata server (GKE workload identity, GCE).
    if (url.pathname === "/computeMetadata/v1/instance/service-accounts/default/token") {
      if (request.headers.get("metadata-flavor") !== "Google") return error(403, "no flavor");
      return options.token
        ? json({ access_token: options.token, expires_in: 3599, token_type: "Bearer" })
        : error(404, "no service account");
    }
    // STS, for external accounts (workload identity federation).
    if (url.pathname === "/v1/token" && request.method === "POST") {
      const form = new URLSearchParams(await request.text());
      if (!options.token || form.get("subject_token") !== options.subjectToken) {
        return json({ error: "invalid_grant", error_description: "subject token refused" }, 400);
      }
      return json({
        access_token: options.token,
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        token_type: "Bearer",
        expires_in: 3600,
      });
    }
    if (options.token && request.headers.get("authorization") !== `Bearer ${options.token}`) {
      await request.body?.cancel();
      return error(401, "Invalid Credentials");
    }
    const start = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (start && request.method === "POST" && url.searchParams.get("uploadType") === "resumable") {
      const id = crypto.randomUUID();
      sessions.set(id, {
        resource: await request.json(),
        bucket: decodeURIComponent(start[1]),
        parts: [],
        received: 0,
      });
      return new Response(null, {
        status: 200,
        headers: { location: `${url.origin}${url.pathname}?uploadType=resumable&upload_id=${id}` },
      });
    }
    if (start && request.method === "POST" && url.searchParams.get("uploadType") === "multipart") {
      // multipart/related: the resource as JSON, then the bytes.
      const boundary = /boundary=([^;]+)/.exec(request.headers.get("content-type") ?? "")?.[1];
      const body = new Uint8Array(await request.arrayBuffer());
      const text = new TextDecoder("latin1").decode(body);
      const first = text.indexOf("\r\n\r\n");
      const second = text.indexOf(`--${boundary}`, first);
      const dataStart = text.indexOf("\r\n\r\n", second) + 4;
      const dataEnd = text.lastIndexOf(`\r\n--${boundary}--`);
      if (!boundary || first < 0 || second < 0 || dataEnd < dataStart) {
        return error(400, "bad multipart body");
      }
      return finish({
        resource: JSON.parse(new TextDecoder().decode(body.subarray(first + 4, second - 2))),
        bucket: decodeURIComponent(start[1]),
        parts: [body.slice(dataStart, dataEnd)],
        received: dataEnd - dataStart,
      });
    }
    if (start && request.method === "PUT") {
      const session = sessions.get(url.searchParams.get("upload_id") ?? "");
      if (!session) return error(404, "No such upload session");
      const range = request.headers.get("content-range") ?? "";
      const incomplete = () =>
        new Response(null, {
          status: 308,
          headers: session.received ? { range: `bytes=0-${session.received - 1}` } : {},
        });
      const status = /^bytes \*\/(\d+|\*)$/.exec(range);
      if (status) {
        await request.body?.cancel();
        return status[1] !== "*" && Number(status[1]) === session.received
          ? finish(session)
          : incomplete();
      }
      const chunk = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
      if (!chunk) return error(400, `bad Content-Range "${range}"`);
      const [from, to] = [Number(chunk[1]), Number(chunk[2])];
      const total = chunk[3] === "*" ? undefined : Number(chunk[3]);
      if (from !== session.received) {
        await request.body?.cancel();
        return error(400, `chunk starts at ${from}, ${session.received} bytes were kept`);
      }
      if (total === undefined && (to + 1 - from) % ALIGN !== 0) {
        await request.body?.cancel();
        return error(400, "a chunk that is not the last must be a multiple of 256 KiB");
      }
      const limit = cut;
      cut = undefined;
      const reader = request.body!.getReader();
      let kept = 0;
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        const room = limit === undefined ? value.length : Math.min(value.length, limit - kept);
        if (room > 0) {
          session.parts.push(value.slice(0, room));
          session.received += room;
          kept += room;
        }
        if (limit !== undefined && kept >= limit) {
          await reader.cancel();
          if (forget) sessions.clear();
          return error(503, "Backend Error");
        }
      }
      if (total !== undefined && session.received === total) return finish(session);
      return incomplete();
    }
    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (object && request.method === "GET") {
      const bucket = decodeURIComponent(object[1]);
      if (bucket === "missing-bucket") return error(404, "The specified bucket does not exist.");
      const found = objects.get(`${bucket}/${decodeURIComponent(object[2])}`);
      if (!found) return error(404, "No such object");
      return url.searchParams.get("alt") === "media"
        ? new Response(found.data as Uint8Array<ArrayBuffer>)
        : json(found.resource);
    }
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (list && request.method === "GET") {
      const bucket = decodeURIComponent(list[1]);
      if (bucket === "missing-bucket") return error(404, "The specified bucket does not exist.");
      const prefix = url.searchParams.get("prefix") ?? "";
      const items = [...objects.entries()]
        .filter(([key]) => key.startsWith(`${bucket}/${prefix}`))
        .map(([, { resource }]) => resource);
      return json({ items });
    }
    return error(404, `no route for ${request.method} ${url.pathname}`);
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const host = `127.0.0.1:${server.addr.port}`;
  const stop = () => server.shutdown();
  return {
    endpoint: `http://${host}`,
    host,
    requests,
    objects,
    cutNextPut(bytes, options) {
      cut = bytes;
      forget = options?.forget ?? false;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
