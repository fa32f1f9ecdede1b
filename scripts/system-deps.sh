#!/usr/bin/env bash
# Make sure the system libraries the portal needs are present: a Python that can load
# SQLite extensions (Debian's /usr/bin/python3 can; pyenv's default build cannot), its venv
# module, GDAL/GEOS/PROJ for GeoDjango, SpatiaLite for the embedded database and gettext
# (--browser: Chromium for the browser tests and npm for their axe-core).
# Installs them with apt when possible; otherwise says exactly what to install.
# Usage: scripts/system-deps.sh [--postgis] [--browser]
set -euo pipefail

want_postgis=0
want_browser=0
for arg in "$@"; do
  case "$arg" in
    --postgis) want_postgis=1 ;;
    --browser) want_browser=1 ;;
  esac
done

missing=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

[ -x /usr/bin/python3 ] || missing+=(python3)
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
fi
have_lib 'libgdal\.so' || missing+=(gdal-bin libgdal-dev)
have_lib 'libgeos_c\.so' || missing+=(libgeos-c1v5)
have_lib 'libproj\.so' || missing+=(libproj25)
ls /usr/lib/*/mod_spatialite.so >/dev/null 2>&1 || missing+=(libsqlite3-mod-spatialite)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
if [ "$want_postgis" = 1 ]; then
  pgver=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  if [ -n "$pgver" ] && ! ls /usr/share/postgresql/"$pgver"/extension/postgis.control >/dev/null 2>&1; then
    missing+=("postgresql-$pgver-postgis-3")
  fi
fi
if [ "$want_browser" = 1 ]; then
  have_pkg chromium || missing+=(chromium)
  have_pkg chromium-driver || missing+=(chromium-driver)
  # npm installs the browser tests' assets (axe-core, package-lock.json); Debian's npm
  # brings nodejs with it.
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "System packages needed: ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "No apt-get here. Install the equivalents of: ${missing[*]}" >&2
  echo "(a Python that can load SQLite extensions, GDAL, GEOS, PROJ, SpatiaLite, gettext)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "Run as root or install them yourself: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
