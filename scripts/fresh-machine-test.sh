#!/usr/bin/env bash
# Runs CI (`.ci/run` with CI=true, no stdin) on a clean clone of the committed HEAD inside a
# fresh Debian 12 made by debootstrap, with nothing installed beyond Debian's minimal base:
# proves that the project's own scripts install everything the test suite needs.
#
# Usage: sudo scripts/fresh-machine-test.sh [DIR]      (default /var/tmp/magpie-fresh)
#   DEBIAN_MIRROR=...    the mirror for debootstrap and apt (default deb.debian.org)
#   KEEP_CCACHE=1        reuse the host's ccache (faster rebuilds; no effect on packages)
#
# The minimal base is made once and kept as DIR.base.tar; every run starts from a new copy
# of it, so packages installed by an earlier run never leak into the next one. The chroot
# shares the host's loopback network (the tests use 127.0.0.1 only) and its kernel.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/var/tmp/magpie-fresh}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[[ $(id -u) -eq 0 ]] || { echo "fresh-machine-test.sh: run as root (debootstrap, chroot, mount)" >&2; exit 1; }
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap

if [[ ! -f $dir.base.tar ]]; then
  rm -rf "$dir.base"
  debootstrap --variant=minbase bookworm "$dir.base" "$mirror"
  tar -C "$dir.base" -cf "$dir.base.tar" .
  rm -rf "$dir.base"
fi

mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() {  # bind SRC DST [ro]
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounted+=("$2")
  if [[ ${3:-} == ro ]]; then mount -o remount,bind,ro "$2"; fi
}

rm -rf "$dir"
mkdir -p "$dir"
tar -C "$dir" -xf "$dir.base.tar"
cat > "$dir/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://security.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$dir/etc/resolv.conf"

# A clean clone of the committed HEAD, beside the shared corpora and tools (../shared).
mkdir -p "$dir/work"
git clone -q --no-hardlinks "$root" "$dir/work/main"
[[ -d $root/../shared ]] && bind "$(cd "$root/../shared" && pwd)" "$dir/work/shared" ro
bind /proc "$dir/proc"
bind /sys "$dir/sys"
bind /dev "$dir/dev"
bind /dev/pts "$dir/dev/pts"
if [[ ${KEEP_CCACHE:-} == 1 && -d $HOME/.cache/ccache ]]; then
  bind "$HOME/.cache/ccache" "$dir/root/.cache/ccache"
  # The chroot's compiler is the same Debian build as the host's but has another mtime.
  mkdir -p "$dir/root/.config/ccache"
  printf 'compiler_check = content\n' > "$dir/root/.config/ccache/ccache.conf"
fi

echo "== fresh Debian 12 in $dir: $(chroot "$dir" dpkg-query -W | wc -l) packages installed"
start=$SECONDS
set +e
chroot "$dir" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 CI=true bash -c 'cd /work/main && timeout 90m bash .ci/run' </dev/null
rc=$?
set -e
echo "== .ci/run in the fresh chroot: exit $rc after $((SECONDS - start)) s"
exit $rc
