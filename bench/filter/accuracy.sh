#!/bin/sh
# Spam filter accuracy as shipped, every fold: runs tests/e2e/test_spam_accuracy.py (train
# with `magpie spam learn` on four folds of the shared SpamAssassin training corpus, send
# the fifth to port 25 of a server with the default settings, count Junk/INBOX/rejects)
# for all five folds and prints the figures. CI runs fold 0 only.
# usage: bench/filter/accuracy.sh [FOLDS]     (default "0,1,2,3,4"; e.g. "2" or "0,3")
# env: MAGPIE_BIN (default build-release/magpie, else build/magpie), MAGPIE_SPAM_CORPUS
# (default ../shared/corpora/spam beside the repository).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
if [ -z "$MAGPIE_BIN" ]; then
    for b in "$REPO/build-release/magpie" "$REPO/build/magpie"; do
        if [ -x "$b" ]; then MAGPIE_BIN=$b; break; fi
    done
fi
export MAGPIE_BIN
export MAGPIE_ACCURACY_FOLDS=${1:-0,1,2,3,4}
cd "$REPO"
exec /usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/e2e/test_spam_accuracy.py
