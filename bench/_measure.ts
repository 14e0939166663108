// Measurement helpers shared by the whole-process benchmarks: timed child processes (wall time
// and, on request, peak RSS), interleaved rounds, medians and markdown tables; and the fixture
// they share (flytekit's SQLite3Task template and inputs, a small tracks database).
import { parseArgs } from "node:util";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  jsonToStruct,
  type JsonValue,
  type LiteralMap,
  structToJson,
  type TaskTemplate,
} from "../idl/mod.ts";

/** The median; the mean of the two middle values for an even count. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Runs every variant once to warm the caches, then `rounds` rounds in which each variant runs
 * once, in an order rotating by one per round, so that machine noise hits all variants alike.
 * Returns the samples of each variant, in the order of `variants`.
 */
export async function interleave<V, S>(
  variants: readonly V[],
  rounds: number,
  once: (variant: V) => Promise<S>,
): Promise<S[][]> {
  for (const v of variants) await once(v);
  const samples: S[][] = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const k = (round + i) % variants.length;
      samples[k].push(await once(variants[k]));
    }
  }
  return samples;
}

/** A markdown table; `align` marks right-aligned (`"r"`) columns. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ("l" | "r")[] = [],
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const rule = header.map((_, i) => (align[i] === "r" ? "---:" : "---"));
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}

/**
 * The table of timed variants: name, median and min ms, and a last column computed from the
 * variant's index (a ratio, or the time added to a baseline).
 */
export function timesTable(
  names: readonly string[],
  times: readonly (readonly number[])[],
  last: { header: string; cell: (i: number) => string },
): string {
  return markdownTable(
    ["variant", "median ms", "min ms", last.header],
    names.map((name, i) => [
      name,
      median(times[i]).toFixed(1),
      Math.min(...times[i]).toFixed(1),
      last.cell(i),
    ]),
    ["l", "r", "r", "r"],
  );
}

/**
 * What a whole-process run (_testing/propeller.ts's `runNode`) reports, as far as a bench checks
 * it.
 */
export interface NodeRun {
  /** Exit code. */
  code: number;
  /** Files left in the output prefix. */
  files: readonly string[];
  /** The program's standard error. */
  stderr: string;
  /** Wall time, in milliseconds. */
  ms: number;
}

/**
 * The wall time of a run that succeeded and wrote `outputs.pb`; throws, naming the variant,
 * otherwise.
 */
export function outputsRunMs(name: string, run: NodeRun): number {
  if (run.code !== 0 || !run.files.includes("outputs.pb")) {
    throw new Error(`${name}: exit ${run.code}, files ${run.files}: ${run.stderr}`);
  }
  return run.ms;
}

/** Whether GNU time is there to report peak RSS. */
export const HAS_GNU_TIME: boolean = (() => {
  try {
    return Deno.statSync("/usr/bin/time").isFile;
  } catch {
    return false;
  }
})();

/** One timed run of a command. */
export interface Sample {
  /** Wall time, in milliseconds. */
  ms: number;
  /** Peak resident set size in KiB, when asked for. */
  peakKiB: number;
  /**
   * CPU time (user + system, all threads and children) in milliseconds, when asked for: what a
   * busy machine disturbs less than wall time.
   */
  cpuMs?: number;
}

/**
 * Runs a command to completion and times it; throws when it fails. With `peakRss`, the peak RSS
 * comes from GNU time (`/usr/bin/time -f %M`), else from polling `/proc/<pid>/status` VmHWM. With
 * `cpu`, the command runs under bash, whose `times` reports its children's CPU time to the
 * millisecond.
 */
export async function timeCommand(
  cmd: readonly string[],
  options: { peakRss?: boolean; name?: string; cpu?: boolean } = {},
): Promise<Sample> {
  const timeFile = options.peakRss && HAS_GNU_TIME ? await Deno.makeTempFile() : undefined;
  const full = timeFile
    ? ["/usr/bin/time", "-f", "%M", "-o", timeFile, ...cmd]
    : options.cpu
    ? ["bash", "-c", '"$@" >/dev/null; rc=$?; times; exit $rc', "bash", ...cmd]
    : cmd;
  const started = performance.now();
  const child = new Deno.Command(full[0], {
    args: full.slice(1),
    stdout: options.cpu && !timeFile ? "piped" : "null",
    stderr: "piped",
    env: { DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  let polled = 0;
  const poll = options.peakRss && !timeFile
    ? setInterval(() => {
      try {
        const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
        polled = Math.max(polled, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch { /* exited */ }
    }, 5)
    : undefined;
  const out = await child.output();
  const ms = performance.now() - started;
  if (poll) clearInterval(poll);
  try {
    if (!out.success) {
      throw new Error(
        `${options.name ?? cmd.join(" ")} exited ${out.code}:\n${
          new TextDecoder().decode(out.stderr)
        }`,
      );
    }
    const peakKiB = timeFile
      ? Number((await Deno.readTextFile(timeFile)).trim().split("\n").pop())
      : polled;
    if (!options.cpu || timeFile) return { ms, peakKiB };
    // `times` prints bash's own user and system time, then its children's: "0m0.036s 0m0.008s".
    const children = new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
    const cpuMs = children.split(/\s+/).map((t) => {
      const [, m, sec] = /^(\d+)m([\d.]+)s$/.exec(t)!;
      return Number(m) * 60_000 + Number(sec) * 1000;
    }).reduce((a, b) => a + b, 0);
    return { ms, peakKiB, cpuMs };
  } finally {
    if (timeFile) await Deno.remove(timeFile);
  }
}

const FLYTEKIT_SQLITE3 = new URL("../testdata/idl/flytekit-sqlite3/", import.meta.url);

/** Writes a 5,000-row `tracks (TrackId, Name)` SQLite database at `path`. */
export async function writeTracksDatabase(path: string): Promise<void> {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(path);
  db.exec("create table tracks (TrackId integer primary key, Name text)");
  const insert = db.prepare("insert into tracks (Name) values (?)");
  db.exec("begin");
  for (let i = 0; i < 5000; i++) insert.run(`Track ${i}`);
  db.exec("commit");
  db.close();
}

/** flytekit's own SQLite3Task template (testdata/idl/flytekit-sqlite3/), on the database `uri`. */
export function flytekitSqlite3Template(uri: string): TaskTemplate {
  const template = decodeTaskTemplate(Deno.readFileSync(new URL("template.pb", FLYTEKIT_SQLITE3)));
  const custom = structToJson(template.custom) as Record<string, JsonValue>;
  template.custom = jsonToStruct({ ...custom, uri });
  return template;
}

/** flytekit's inputs for that template (`limit` 10). */
export function flytekitSqlite3Inputs(): LiteralMap {
  return decodeLiteralMap(Deno.readFileSync(new URL("inputs.pb", FLYTEKIT_SQLITE3)));
}

/** The `--rounds N` argument of a benchmark script, or its default. */
export function roundsArg(fallback: number, args: readonly string[] = Deno.args): number {
  return wholeNumberArgs({ rounds: fallback }, args).rounds;
}

/** Whole-number `--name N` arguments of a benchmark script, each with its default. */
export function wholeNumberArgs<K extends string>(
  defaults: Readonly<Record<K, number>>,
  args: readonly string[] = Deno.args,
): Record<K, number> {
  const names = Object.keys(defaults) as K[];
  const options: Record<string, { type: "string"; default: string }> = Object.fromEntries(
    names.map((name) => [name, { type: "string", default: String(defaults[name]) }]),
  );
  const values = parseArgs({ args: [...args], options }).values as Record<string, string>;
  const out = {} as Record<K, number>;
  for (const name of names) {
    const raw = values[name];
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Cannot run with ${name} "${raw}": give a whole number from 1`);
    }
    out[name] = value;
  }
  return out;
}
