#!/bin/bash
# The git cost of the city's 1,000,000-row objects.csv: plain CSV sorted by id against gzip.
# Usage: bash benchmarks/git_objects.sh   (needs benchmarks/out/city; works in ${TMPDIR:-/tmp}/perf-git)
# Commits objects.csv, changes 1% of its rows (complaints + 1, rows stay in place), commits
# again, and reports commit/diff/gc times, diff size and `git count-objects -vH`.
set -e
SRC=$(cd "$(dirname "$0")" && pwd)/out/city/directory/objects.csv
W=${TMPDIR:-/tmp}/perf-git
mkdir -p "$W"
export SRC W
python3 - <<'PY'
import os, random
lines = open(os.environ["SRC"], encoding="utf-8").read().split("\n")
header, body = lines[0], [line for line in lines[1:] if line]
for i in random.Random(1).sample(range(len(body)), len(body) // 100):
    cells = body[i].split(",")
    cells[-1] = str(int(cells[-1]) + 1)
    body[i] = ",".join(cells)
open(os.environ["W"] + "/objects_v2.csv", "w", encoding="utf-8").write("\n".join([header] + body) + "\n")
print("changed rows", len(body) // 100)
PY
t() { local s=$(date +%s.%N); "$@" >/dev/null; local e=$(date +%s.%N); echo "$(echo "$e - $s" | bc)"; }
for mode in plain gzip; do
  R=$W/repo-$mode; rm -rf "$R"; git init -q "$R"; cd "$R"
  git config user.email bench@example.org; git config user.name bench
  mkdir -p directory
  if [ $mode = plain ]; then cp "$SRC" directory/objects.csv; F=directory/objects.csv
  else gzip -n -6 -c "$SRC" > directory/objects.csv.gz; F=directory/objects.csv.gz; fi
  echo "$mode add+commit1 $(t bash -c "git add $F && git commit -qm v1") s"; echo "$mode file size v1 $(stat -c %s $F)"
  if [ $mode = plain ]; then cp "$W/objects_v2.csv" $F; else gzip -n -6 -c "$W/objects_v2.csv" > $F; fi
  echo "$mode file size v2 $(stat -c %s $F)"
  echo "$mode add+commit2 $(t bash -c "git add $F && git commit -qm v2") s"
  echo "$mode diff time $(t git diff HEAD~1 HEAD) s"
  echo "$mode diff bytes $(git diff HEAD~1 HEAD | wc -c) lines $(git diff --numstat HEAD~1 HEAD)"
  echo "$mode before gc:"; git count-objects -vH | grep -E "^size|count"
  echo "$mode gc $(t git gc -q) s"
  echo "$mode after gc: "; git count-objects -vH | grep size-pack
  echo "$mode gc --aggressive $(t git gc -q --aggressive) s"
  echo "$mode after gc --aggressive: "; git count-objects -vH | grep size-pack
  echo "$mode log -p time $(t git log -p -1) s"
  cd "$W"
done
