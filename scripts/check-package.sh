#!/usr/bin/env bash
# Checks a built .deb without installing it: its metadata and dependencies (dpkg-deb), that
# every file a desktop user expects is in it, that the binaries carry no debug information, and
# what Debian's own checkers say: lintian, appstreamcli for the AppStream metadata,
# desktop-file-validate for the menu entry. Run by scripts/package.sh and by the tests.
#
#   scripts/check-package.sh dist/lull_0.1.0_amd64.deb
set -euo pipefail
deb="${1:?usage: scripts/check-package.sh PACKAGE.deb}"
failures=0
fail() { echo "check-package: $*" >&2; failures=$((failures + 1)); }
field() { dpkg-deb -f "$deb" "$1"; }

[ "$(field Package)" = lull ] || fail "the package is called $(field Package), not lull"
[ "$(field Architecture)" = amd64 ] || fail "architecture $(field Architecture)"
depends="$(field Depends)"
for needed in libc6 libwebkit2gtk-4.1-0 libgtk-3-0 libdbus-1-3; do
  grep -Eq "(^|, )$needed( |,|$)" <<<"$depends" || fail "Depends lacks $needed: $depends"
done
grep -q "gnome-keyring" <<<"$(field Recommends)" || fail "Recommends lacks gnome-keyring (the Secret Service that keeps channel passwords)"

contents="$(dpkg-deb --contents "$deb" | awk '{print $6}' | sed -e 's|^\./||' -e 's|^|/|' -e 's|/$||')"
expect=(/usr/bin/lull /usr/bin/lull-desktop /usr/share/applications/Lull.desktop
  /usr/share/metainfo/app.lull.desktop.metainfo.xml /usr/share/man/man1/lull.1.gz /usr/share/man/man1/lull-client-add.1.gz
  /usr/share/man/man1/lull-desktop.1.gz /usr/share/doc/lull/changelog.gz
  /usr/share/bash-completion/completions/lull /usr/share/zsh/vendor-completions/_lull
  /usr/share/fish/vendor_completions.d/lull.fish /usr/share/doc/lull/copyright)
for size in 16 24 32 48 64 128 256 512; do
  expect+=("/usr/share/icons/hicolor/${size}x${size}/apps/lull-desktop.png")
done
for path in "${expect[@]}"; do
  grep -qx "$path" <<<"$contents" || fail "$path is missing"
done

unpacked="$(mktemp -d)"
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$deb" "$unpacked"
for bin in lull lull-desktop; do
  # (.debug_gdb_scripts is not debug information: Rust's pretty-printers for gdb, a few bytes.)
  if readelf -S "$unpacked/usr/bin/$bin" | grep -Eq '\.debug_(info|line|str|abbrev)|\.symtab'; then
    fail "/usr/bin/$bin still carries debug information or a symbol table"
  fi
done
"$unpacked/usr/bin/lull" --version | grep -Eq "^lull $(field Version)" || fail "lull --version says: $("$unpacked/usr/bin/lull" --version)"

desktop-file-validate "$unpacked/usr/share/applications/Lull.desktop" || fail "the menu entry is not valid"
appstreamcli validate --no-net --pedantic --explain "$unpacked/usr/share/metainfo/app.lull.desktop.metainfo.xml" >/dev/null ||
  appstreamcli validate --no-net "$unpacked/usr/share/metainfo/app.lull.desktop.metainfo.xml" ||
  fail "the AppStream metadata is not valid"
man -l "$unpacked/usr/share/man/man1/lull.1.gz" 2>/dev/null | grep -q "lull-schedule" || fail "man lull does not list the commands"
bash -c "source '$unpacked/usr/share/bash-completion/completions/lull' && complete -p lull" >/dev/null || fail "the bash completion does not load"

# lintian, failing on errors and warnings, none of them overridden. (Its notes of "spelling
# errors" in the binaries are French words of the embedded translations.)
if ! lintian --fail-on error,warning --tag-display-limit 0 "$deb"; then
  fail "lintian found problems (above)"
fi

if [ "$failures" -gt 0 ]; then
  echo "check-package: $failures problem(s) in $deb" >&2
  exit 1
fi
echo "check-package: $deb is complete: $(wc -l <<<"$contents") paths, Depends: $depends"
