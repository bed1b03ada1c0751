#!/usr/bin/env bash
# Installs what building Lull needs on Debian/Ubuntu, and with --test what testing it needs,
# skipping what is present. Safe to run again: it only installs what is missing.
set -euo pipefail
# --package adds what building and checking the Linux packages needs (scripts/package.sh), and
# what proving them in a fresh Debian root needs (scripts/test-package.sh).
testing=false
packaging=false
for arg in "$@"; do
  case "$arg" in
    --test) testing=true ;;
    --package) packaging=true ;;
    *) echo "install-deps: unknown option $arg (use --test or --package)" >&2; exit 2 ;;
  esac
done

# Debian packages: a C compiler for the bundled SQLite; WebKitGTK and friends for the desktop
# app (Tauri 2); libdbus for the Secret Service keyring (channel passwords).
packages=(build-essential pkg-config ca-certificates curl xz-utils file libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev)
# For the tests: dbus-daemon for private session buses (notifications are tested against one)
# with notify-send and gdbus as real senders, Dovecot as the IMAP server (openssl makes its test
# certificates), gnome-keyring as the Secret Service, Chromium for the web UI end to end, Xvfb
# and WebKitWebDriver for the desktop window, xdotool to find and click gatekeeper popups,
# KDE Connect's daemon (kdeconnectd) as the phone channel's real peer, run only inside a private
# network namespace (util-linux's unshare, iproute2's ip for its loopback), imagemagick's
# `import` for the README's screenshots, and aiosmtpd as the SMTP server availability replies
# are sent to.
if $testing; then
  packages+=(dbus-daemon libnotify-bin libglib2.0-bin dovecot-imapd openssl gnome-keyring chromium xvfb xauth webkit2gtk-driver
    xdotool kdeconnect util-linux iproute2 imagemagick python3-aiosmtpd)
fi
# For the packages: dpkg-shlibdeps (dpkg-dev) works out the .deb's dependencies and binutils'
# objcopy keeps the debug information aside; lintian, appstreamcli and desktop-file-validate
# check the result; mmdebstrap makes the fresh Debian root the package is installed into.
if $packaging || $testing; then
  packages+=(dpkg-dev binutils lintian appstream desktop-file-utils)
fi
if $packaging; then
  packages+=(mmdebstrap)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js 20.19 or newer for the web UI (Vite 7). Debian 12 ships Node 18, so when the one on
# the PATH is missing or too old, an official build goes to ~/.local/lull-node.
node_ok() { command -v node >/dev/null && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; }
if ! node_ok && [ -x "$HOME/.local/lull-node/bin/node" ]; then export PATH="$HOME/.local/lull-node/bin:$PATH"; fi
if ! node_ok; then
  echo "install-deps: installing Node.js 22 into ~/.local/lull-node"
  arch=$(uname -m); case "$arch" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; esac
  mkdir -p "$HOME/.local/lull-node"
  curl -fsSL "https://nodejs.org/dist/v22.12.0/node-v22.12.0-linux-$arch.tar.xz" | tar -xJ --strip-components=1 -C "$HOME/.local/lull-node"
  export PATH="$HOME/.local/lull-node/bin:$PATH"
fi

# Rust 1.95 or newer, with rustfmt and clippy.
if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null; then
  echo "install-deps: installing the Rust toolchain with rustup"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
  export PATH="$HOME/.cargo/bin:$PATH"
fi
version=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n' 1.95.0 "$version" | sort -V | head -n1)" != 1.95.0 ]; then
  echo "install-deps: Rust $version is too old; Lull needs 1.95 or newer (rustup update stable)" >&2
  exit 1
fi

# tauri-driver drives the desktop window over WebDriver in the end-to-end test.
if $testing && ! command -v tauri-driver >/dev/null; then
  echo "install-deps: installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked
fi

# cargo-fuzz runs the fuzz targets under fuzz/ (scripts/fuzz.sh).
if $testing && ! command -v cargo-fuzz >/dev/null; then
  echo "install-deps: installing cargo-fuzz"
  cargo install cargo-fuzz --version '^0.13' --locked
fi
