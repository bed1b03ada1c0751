#!/usr/bin/env bash
# Proves the .deb on a Debian 12 system that has never seen Lull: a fresh root made by mmdebstrap
# from the Debian archive, `apt-get install ./lull_*.deb` resolving every dependency, then, as an
# ordinary user inside that root and in a private network namespace (nothing leaves the
# machine): lull --version, lull demo, lull serve taking a webhook, lull-desktop painting its
# inbox under Xvfb (a screenshot, and the window's own "opened" record in the database), man
# lull, the bash, zsh and fish completions, and `apt-get remove` leaving the user's data alone.
#
#   sudo scripts/test-package.sh [dist/lull_X.Y.Z_amd64.deb]   (default: build it first)
#
# Needs root (mmdebstrap, chroot, mounts) and the Debian archive (LULL_DEBIAN_MIRROR, default
# http://deb.debian.org/debian). Given a built package it takes about 100 s on a 2-core machine
# (96 s measured), most of it downloading and unpacking Debian (225 packages come with Lull's
# dependencies); the window's screenshot is left in dist/test-package-window.png.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
if [ "$(id -u)" -ne 0 ]; then
  echo "test-package: needs root for mmdebstrap, chroot and mounts; run: sudo scripts/test-package.sh" >&2
  exit 1
fi
scripts/install-deps.sh --package
deb="${1:-}"
if [ -z "$deb" ]; then
  LULL_SKIP_CHECK=1 scripts/package.sh
  deb="$(ls -t dist/lull_*_amd64.deb | head -n1)"
fi
deb="$(realpath "$deb")"
mirror="${LULL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${LULL_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
work="$(mktemp -d /var/tmp/lull-test-package.XXXXXX)"
root="$work/root"
trap 'rm -rf "$work"' EXIT
started=$SECONDS
step() { printf 'test-package: [%3ds] %s\n' "$((SECONDS - started))" "$*"; }

step "making a fresh Debian 12 root from $mirror"
# With the updates and security suites, as a new installation has them.
mmdebstrap --quiet --variant=apt --include=ca-certificates bookworm "$root" "deb $mirror bookworm main" \
  "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }
# mmdebstrap leaves no package lists behind; a new system's first step is this one too.
in_root apt-get update -qq

step "apt-get install ./$(basename "$deb") (apt resolves every dependency from Debian)"
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; echo "test-package: the package does not install" >&2; exit 1; }
grep -c "^Setting up" "$work/install.log" | xargs printf 'test-package: %s packages set up\n'
if in_root ldd /usr/bin/lull /usr/bin/lull-desktop | grep -q "not found"; then
  in_root ldd /usr/bin/lull /usr/bin/lull-desktop | grep "not found"
  echo "test-package: a library the binaries need is not among the package's dependencies" >&2
  exit 1
fi

# The tools the checks use, installed after Lull so that they could not have hidden a missing
# dependency: a curl for the webhook, Xvfb and imagemagick for the window, D-Bus for its
# session, man and the three shells.
step "installing the checks' tools"
in_root apt-get install -y -qq --no-install-recommends curl xvfb xauth imagemagick dbus dbus-x11 man-db bash-completion \
  zsh fish procps >"$work/tools.log" 2>&1 || { cat "$work/tools.log"; exit 1; }
in_root useradd --create-home --shell /bin/bash freelancer

cat >"$root/tmp/inside.sh" <<'INSIDE'
#!/bin/bash
# Runs as the user `freelancer` inside the fresh root, in a private network namespace.
set -euo pipefail
export HOME=/home/freelancer LANG=C.UTF-8 TZ=Europe/Paris
cd "$HOME"
check() { echo "inside: $*"; }

lull --version
lull --version | grep -Eq '^lull [0-9]+\.[0-9]+\.[0-9]+ \(' || { echo "no commit in lull --version" >&2; exit 1; }
lull schedule set --tz Europe/Paris >/dev/null
lull demo
check "the demo's inbox: $(lull inbox | head -n 3 | tr '\n' '|')"

token="$(lull --json channel add webhook smoke | sed -n 's/.*"token": "\(.*\)".*/\1/p')"
lull serve --listen 127.0.0.1:7707 >/tmp/serve.log 2>&1 &
serve=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:7707/health >/dev/null && break; sleep 0.1; done
curl -fsS -X POST http://127.0.0.1:7707/hooks/smoke -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"id": "pkg-1", "from": "jane@acme.com", "title": "Sent to the installed package", "body": "Hello"}'
echo
lull inbox --json | grep -q "Sent to the installed package" || { echo "the webhook's message is not in the inbox" >&2; exit 1; }
check "lull serve took a webhook message into the inbox"
kill "$serve"
wait "$serve" || true

# The window: the engine is started by the app itself (`lull serve --tray`, found beside it in
# /usr/bin), as when a user clicks the menu entry.
export NO_AT_BRIDGE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1
dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  lull-desktop >/tmp/desktop.log 2>&1 &
  for i in $(seq 60); do
    sleep 1
    import -window root /tmp/window.png 2>/dev/null || continue
    colours=$(identify -format "%k" /tmp/window.png)
    [ "$colours" -gt 200 ] && break
  done
  sleep 2
  import -window root /tmp/window.png
  echo "inside: the window painted in about ${i}s ($(identify -format "%k" /tmp/window.png) colours)"
  pkill -x lull-desktop || true
  lull status >/dev/null
  pkill -x lull || true
'

MANPAGER=cat man lull 2>/dev/null | grep -q "lull-schedule" || { echo "man lull does not show the manual" >&2; exit 1; }
check "man lull shows the manual ($(man -w lull))"
bash_words="$(bash -c 'source /usr/share/bash-completion/bash_completion
  __load_completion lull
  COMP_WORDS=(lull sch); COMP_CWORD=1; COMP_LINE="lull sch"; COMP_POINT=8
  _lull lull sch lull; printf "%s\n" "${COMPREPLY[@]}"')"
grep -qx schedule <<<"$bash_words" || { echo "bash does not complete lull sch: $bash_words" >&2; exit 1; }
zsh -fc 'autoload -U compinit && compinit -u -d /tmp/zcompdump && [[ $_comps[lull] == _lull ]]' ||
  { echo "zsh does not know how to complete lull" >&2; exit 1; }
fish -c 'complete -C "lull sch"' | grep -q '^schedule' || { echo "fish does not complete lull sch" >&2; exit 1; }
check "bash, zsh and fish complete lull (bash and fish: lull sch → schedule)"
INSIDE
chmod 755 "$root/tmp/inside.sh"

step "running Lull as a new user, in a private network namespace"
unshare --net --mount --pid --fork bash -c "
  set -e
  ip link set lo up
  mount -t proc proc '$root/proc'
  mount --rbind /dev '$root/dev'
  mount --rbind /sys '$root/sys'
  chroot '$root' runuser -u freelancer -- /tmp/inside.sh
"
mkdir -p dist
cp "$root/tmp/window.png" dist/test-package-window.png
data="$root/home/freelancer/.local/share/lull"
opened="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM ui_opens WHERE source = ?", ("ui",)).fetchone()[0])' "$data/lull.db")"
[ "$opened" -ge 1 ] || { echo "test-package: the window never opened its inbox (no record of it in the database)" >&2; exit 1; }
step "the window loaded its inbox ($opened record of it); screenshot: dist/test-package-window.png"

step "apt-get remove lull"
in_root apt-get -o Dpkg::Use-Pty=0 remove -y -qq lull >/dev/null
[ ! -e "$root/usr/bin/lull" ] && [ ! -e "$root/usr/bin/lull-desktop" ] || { echo "test-package: lull is still installed" >&2; exit 1; }
[ -s "$data/lull.db" ] || { echo "test-package: removing the package removed the user's data" >&2; exit 1; }
step "removed; the user's data is untouched ($(du -sh "$data" | cut -f1) in ~/.local/share/lull)"
step "passed in $((SECONDS - started)) s"
