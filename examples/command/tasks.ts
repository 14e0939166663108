// A worked command task: a Python script, in an image that has python3 and the flyteshim-command
// binary, counts the words of a text file and lists the most common ones. No flytekit, no copilot.
import { commandTask, Types } from "../../mod.ts";

/** The script: argv[1] is the file, argv[2] how many words to list; outputs go to files. */
export const WORD_COUNT_SCRIPT = `
import collections, os, sys
words = open(sys.argv[1], encoding="utf-8").read().lower().split()
out = os.environ["FLYTESHIM_OUTPUT_DIR"]
open(os.path.join(out, "total"), "w").write(str(len(words)))
with open(os.path.join(out, "top"), "w") as f:
    for word, n in collections.Counter(words).most_common(int(sys.argv[2])):
        f.write(f"{word}\\t{n}\\n")
print(f"counted {len(words)} words", file=sys.stderr)
`;

/** Counts the words of a text file: the total, and a TSV file of the most common ones. */
export const wordCount = commandTask({
  name: "text.word_count",
  image: "ghcr.io/acme/python-with-flyteshim:3.12",
  command: ["python3", "-c", WORD_COUNT_SCRIPT, "{{.inputs.text}}", "{{.inputs.top}}"],
  inputs: { text: Types.file("txt"), top: Types.integer },
  outputs: { total: Types.integer, top: Types.file("tsv") },
  requests: { cpu: "500m", memory: "256Mi" },
  retries: 1,
  timeout: 600,
});
