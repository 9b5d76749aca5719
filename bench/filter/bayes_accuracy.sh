#!/bin/sh
# Bayes accuracy: Magpie vs Rspamd, k-fold cross-validation on the same folds of the
# SpamAssassin training corpus (../shared/corpora/spam/train.txt). Builds the bayes_cv
# driver with -O2 into a temp dir (no CMake needed), then runs bayes_accuracy.py, which
# starts and stops its own rspamd + redis on 127.0.0.1. Needs: rspamd, redis-server
# (apt-get install rspamd redis-server), libsqlite3-dev, libssl-dev, libfmt-dev.
# usage: bench/filter/bayes_accuracy.sh [--folds K] [--limit N] [--skip-rspamd] ...
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CORPUS=${CORPUS:-$REPO/../shared/corpora/spam}
OUT=$(mktemp -d /tmp/magpie-bench-bayes.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
CXX=${CXX:-g++}

# Two compiles at a time: the machine is shared.
ls "$REPO"/src/filter/bayes_*.cpp "$REPO"/src/filter/verdict.cpp "$REPO"/src/mime/*.cpp \
   "$REPO"/src/core/strings.cpp "$REPO"/src/core/base64.cpp "$REPO"/src/store/db.cpp |
    xargs -P 2 -I SRC sh -c '$0 -std=c++20 -O2 -DNDEBUG -I"$1/src" -c SRC -o "$2/$(basename SRC).o"' \
        "$CXX" "$REPO" "$OUT"
ar rcs "$OUT/libbayes.a" "$OUT"/*.o
$CXX -std=c++20 -O2 -DNDEBUG -I"$REPO/src" "$HERE/bayes_cv.cpp" "$OUT/libbayes.a" \
    -lsqlite3 -lcrypto -lfmt -o "$OUT/bayes_cv"

python3 "$HERE/bayes_accuracy.py" --corpus "$CORPUS" --driver "$OUT/bayes_cv" "$@"
