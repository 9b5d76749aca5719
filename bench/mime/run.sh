#!/bin/sh
# MIME parse benchmark: Magpie vs GMime 3 vs Python's email package on the same corpus.
# Builds Magpie's MIME library with -O2 into a temp dir (no CMake needed), then runs each
# parser for SECONDS (default 5) over the corpus held in memory, plus one 50 MB message.
# usage: bench/mime/run.sh [SECONDS]
set -e
SECS=${1:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CORPORA="$REPO/../shared/corpora/mime"
OUT=$(mktemp -d /tmp/magpie-bench-mime.XXXXXX)
CXX=${CXX:-g++}

for f in "$REPO"/src/mime/*.cpp "$REPO"/src/core/strings.cpp; do
    $CXX -std=c++20 -O2 -DNDEBUG -I"$REPO/src" -c "$f" -o "$OUT/$(basename "$f").o"
done
ar rcs "$OUT/libmime.a" "$OUT"/*.o
$CXX -std=c++20 -O2 -DNDEBUG -I"$REPO/src" -I"$HERE" "$HERE/bench_magpie.cpp" "$OUT/libmime.a" -o "$OUT/bench_magpie"
cc -O2 "$HERE/bench_gmime.c" $(pkg-config --cflags --libs gmime-3.0) -o "$OUT/bench_gmime"

# The corpus: every message the unit tests and the Dovecot cross-check use, copied under
# plain names (some Maildir folder names contain spaces).
mkdir "$OUT/corpus"
i=0
for f in "$CORPORA"/stalwart-mail-parser/resources/eml/*/*.eml \
         "$CORPORA"/stalwart-mail-parser/resources/maildir/cur/* \
         "$CORPORA"/stalwart-mail-parser/resources/maildir/new/* \
         "$CORPORA"/cpython/*.txt "$REPO"/tests/data/mime/torture/*.eml; do
    [ -f "$f" ] || continue
    i=$((i + 1))
    cp "$f" "$OUT/corpus/$(printf %04d $i).eml"
done
FILES=$(ls "$OUT"/corpus/*.eml | tr '\n' ' ')

# One 50 MB message: a text part and a 50 MB base64 attachment.
python3 - "$OUT/big.eml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("From: a@example.com\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
            "--zz\r\nContent-Type: text/plain\r\n\r\nhello\r\n--zz\r\n"
            "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
    line = "QUFB" * 19 + "\r\n"
    f.write(line * (50 * 1024 * 1024 // len(line)))
    f.write("--zz--\r\n")
PY

echo "corpus: $(echo $FILES | wc -w) messages, $(cat $FILES | wc -c) bytes"
for mode in parse imap text; do "$OUT/bench_magpie" $mode "$SECS" $FILES; done
"$OUT/bench_gmime" "$SECS" $FILES
python3 "$HERE/bench_python.py" "$SECS" $FILES
echo "50 MB message:"
"$OUT/bench_magpie" parse "$SECS" "$OUT/big.eml"
"$OUT/bench_gmime" "$SECS" "$OUT/big.eml"
python3 "$HERE/bench_python.py" "$SECS" "$OUT/big.eml"
rm -rf "$OUT"
