// The values the LiteralMap fixtures of this folder hold, as the literal type engine reads them
// with the interface of task_template.pb.
import { Duration, FlyteFile, Timestamp } from "../../types/mod.ts";

/** Fixture name -> variable -> value. */
export const EXPECTED: Record<string, Record<string, unknown>> = {
  struct: {
    config: {
      name: "chinook",
      limit: 10,
      ratio: 0.5,
      tags: ["a", "b"],
      nested: { ok: true, none: null },
      big: 2n ** 60n,
      neg: -3,
      when: "2024-05-01T12:30:00.123456+00:00",
    },
    dataset_ref: { uri: "s3://bucket/data", file_format: "parquet" },
    legacy: { host: "db", opts: { ssl: true }, port: 5432, ratio: -0.25, tags: ["x", null] },
  },
  union: {
    file_or_none: new FlyteFile({ uri: "s3://bucket/raw/0a1b/data.csv", format: "csv" }),
    int_or_str: "3",
    list_or_none: [1n, 2n],
    maybe_int: 3n,
    maybe_none: null,
  },
  map: {
    counts: { a: 1n, b: -2n, big: 9007199254740993n },
    empty_map: {},
    nested: { letters: ["x", "y"], none: [] },
  },
  collection: {
    empty: [],
    matrix: [[1n, 2n], [], [-(2n ** 63n)]],
    names: ["café", 'say "hi"\n', ""],
    xs: [0.5, -1.25, 1e300],
  },
  datetime: {
    before_epoch: new Timestamp(-2n, 500_000_000),
    epoch: new Timestamp(0n),
    far: new Timestamp(253402300799n, 999_999_999),
    when: new Timestamp(1_700_000_000n, 123_456_000),
  },
  duration: {
    hour: new Duration(3600n, 500),
    negative: new Duration(-1n, -500_000_000),
    zero: new Duration(0n),
  },
};
