#!/usr/bin/env bash
# Builds Lull's Linux packages into dist/: a .deb (Debian 12, Ubuntu 22.04 and later) and an
# .rpm, both made by Tauri's bundler from release binaries. The package holds the window
# (lull-desktop) and the command (lull) side by side in /usr/bin, the menu entry, the icons,
# the AppStream metadata, the manual pages and the shell completions. The shipped binaries carry
# no debug information; it is kept beside the packages in dist/debug/ (gdb finds it through each
# binary's debug link).
#
#   scripts/package.sh          build, then check the .deb (scripts/check-package.sh)
#   LULL_SKIP_CHECK=1 scripts/package.sh   build only
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
scripts/install-deps.sh --package
export PATH="$HOME/.cargo/bin:$HOME/.local/lull-node/bin:$PATH"
LULL_COMMIT="$(git describe --always --dirty --abbrev=12 2>/dev/null || true)"
export LULL_COMMIT
scripts/build-ui.sh
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
cargo build --release --locked -p lull-cli -p lull-desktop --bin lull --bin lull-desktop

# One version, said in three places: the workspace's, the app's and the changelog's.
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
app_version="$(sed -n 's/^ *"version": "\(.*\)",/\1/p' src-tauri/tauri.conf.json | head -n1)"
changelog_version="$(sed -n '1s/^lull (\(.*\)) .*/\1/p' packaging/linux/changelog)"
if [ "$version" != "$app_version" ] || [ "$version" != "$changelog_version" ]; then
  echo "package: Cargo.toml says $version, src-tauri/tauri.conf.json $app_version and packaging/linux/changelog" \
    "$changelog_version; make them the same (a new version gets a changelog entry)" >&2
  exit 1
fi

# Tauri's bundler takes the app from <target>/release; it gets a target directory of its own
# holding the stripped binaries, so cargo's outputs stay as they were built.
stage="$target/package"
rm -rf "$stage"
mkdir -p "$stage/target/release" "$stage/debug" "$stage/files/man1" "$stage/files/completions"
for bin in lull lull-desktop; do
  objcopy --only-keep-debug "$target/release/$bin" "$stage/debug/$bin.debug"
  objcopy --strip-unneeded --remove-section=.comment --remove-section=.note \
    --add-gnu-debuglink="$stage/debug/$bin.debug" "$target/release/$bin" "$stage/target/release/$bin"
done
lull="$stage/target/release/lull"

# The manual and the completions, generated from the command line's own definitions.
"$lull" man-pages "$stage/files/man1"
cp packaging/linux/lull-desktop.1 "$stage/files/man1/"
# (The bundler's own changelog option files it under the product's name, /usr/share/doc/Lull.)
gzip -9nc packaging/linux/changelog >"$stage/files/changelog.gz"
gzip -9n "$stage/files/man1"/*.1
"$lull" completions bash >"$stage/files/completions/lull"
"$lull" completions zsh >"$stage/files/completions/_lull"
"$lull" completions fish >"$stage/files/completions/lull.fish"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(git log -1 --format=%cs 2>/dev/null || date +%F)/" \
  -e "s/@DESKTOP_ID@/Lull.desktop/" packaging/linux/app.lull.desktop.metainfo.xml >"$stage/files/app.lull.desktop.metainfo.xml"

# Depends: the shared libraries the binaries load, each with the lowest version that has what
# they use, as dpkg-shlibdeps (the tool Debian's own packages use) reads them.
mkdir -p "$stage/shlibs/debian"
printf 'Source: lull\n\nPackage: lull\nArchitecture: any\n' >"$stage/shlibs/debian/control"
depends="$(cd "$stage/shlibs" && dpkg-shlibdeps -O "$stage/target/release/lull" "$stage/target/release/lull-desktop" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')"
[ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
depends_json="$(printf '%s' "$depends" | python3 -c 'import json,sys; print(json.dumps([d.strip() for d in sys.stdin.read().split(",")]))')"

files="$stage/files"
cat >"$stage/tauri.package.json" <<EOF
{
  "bundle": {
    "linux": {
      "deb": {
        "depends": $depends_json,
        "files": {
          "/usr/bin/lull": "$lull",
          "/usr/share/man/man1": "$files/man1",
          "/usr/share/bash-completion/completions/lull": "$files/completions/lull",
          "/usr/share/zsh/vendor-completions/_lull": "$files/completions/_lull",
          "/usr/share/fish/vendor_completions.d/lull.fish": "$files/completions/lull.fish",
          "/usr/share/metainfo/app.lull.desktop.metainfo.xml": "$files/app.lull.desktop.metainfo.xml",
          "/usr/share/doc/lull/copyright": "$root/packaging/linux/copyright",
          "/usr/share/doc/lull/changelog.gz": "$files/changelog.gz"
        }
      },
      "rpm": {
        "files": {
          "/usr/bin/lull": "$lull",
          "/usr/share/man/man1": "$files/man1",
          "/usr/share/bash-completion/completions/lull": "$files/completions/lull",
          "/usr/share/zsh/site-functions/_lull": "$files/completions/_lull",
          "/usr/share/fish/vendor_completions.d/lull.fish": "$files/completions/lull.fish",
          "/usr/share/metainfo/app.lull.desktop.metainfo.xml": "$files/app.lull.desktop.metainfo.xml"
        }
      }
    }
  }
}
EOF

(cd src-tauri && CARGO_TARGET_DIR="$stage/target" CI=true "$root/ui/node_modules/.bin/tauri" bundle --bundles deb,rpm \
  --config "$stage/tauri.package.json")

mkdir -p dist/debug
rm -f dist/lull_*.deb dist/lull-*.rpm
deb="dist/lull_${version}_amd64.deb"
cp "$stage"/target/release/bundle/deb/*.deb "$deb"
cp "$stage"/target/release/bundle/rpm/*.rpm "dist/lull-${version}-1.x86_64.rpm"
cp "$stage"/debug/*.debug dist/debug/

size() { numfmt --to=iec-i --suffix=B --format=%.1f "$(stat -c %s "$1")"; }
echo "package: built $deb ($(size "$deb")) and dist/lull-${version}-1.x86_64.rpm ($(size "dist/lull-${version}-1.x86_64.rpm"))"
echo "package: installed size $(dpkg-deb -f "$deb" Installed-Size) KiB; lull $(size "$lull"), lull-desktop $(size "$stage/target/release/lull-desktop") stripped (built with line tables: lull $(size "$target/release/lull"), lull-desktop $(size "$target/release/lull-desktop"))"
if [ "${LULL_SKIP_CHECK:-}" != 1 ]; then
  scripts/check-package.sh "$deb"
fi
