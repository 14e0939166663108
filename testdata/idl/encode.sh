#!/usr/bin/env bash
# Encodes the text-format wire fixtures in this folder into their binary .pb files with
# Debian's protoc (package protobuf-compiler), from the .proto files of @flyteorg/flyteidl.
#
#   testdata/idl/encode.sh            re-encode every fixture
#   testdata/idl/encode.sh map.txt    re-encode one
#
# Each .txt starts with `# proto-file:` and `# proto-message:` lines naming what it holds. The
# command run for each is, for example:
#   protoc --deterministic_output --encode=flyteidl.core.LiteralMap \
#     -I node_modules/@flyteorg/flyteidl/protos -I /usr/include flyteidl/core/literals.proto \
#     < testdata/idl/map.txt > testdata/idl/map.pb
# (--deterministic_output writes map entries sorted by key, so the bytes are reproducible.)
# The flytekit-sqlite3/ folder holds bytes written by flytekit itself and is not re-encoded;
# flytekit-openai/ is: `encode.sh flytekit-openai/upload_template.txt` (see its README.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
protos="$root/node_modules/@flyteorg/flyteidl/protos"
[ -d "$protos" ] || (cd "$root" && deno install --quiet)
cd "$here"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(*.txt)
for txt in "${files[@]}"; do
  file="$(sed -n 's/^# proto-file: //p' "$txt")"
  message="$(sed -n 's/^# proto-message: //p' "$txt")"
  protoc --deterministic_output --encode="$message" -I "$protos" -I /usr/include "$file" \
    < "$txt" > "${txt%.txt}.pb"
  echo "${txt%.txt}.pb ($message)"
done
