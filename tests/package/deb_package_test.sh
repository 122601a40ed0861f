#!/usr/bin/env bash
# `cpack -G DEB` from the build folder makes ftlens_VERSION_ARCH.deb holding
# the binary, the man page and the bash completion, and Depends naming the
# libraries the binary links, so that `apt install ./ftlens_*.deb` works
# (which apt-get's simulation checks); `cmake --install` installs the same files.
# Usage: deb_package_test.sh BUILD_DIR VERSION
set -euo pipefail
build=$1 version=$2
command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null || { echo "no dpkg-deb/dpkg-shlibdeps: skipped"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out" >"$out/cpack.log" 2>&1 || { cat "$out/cpack.log"; exit 1; }
deb="$out/ftlens_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || { echo "FAIL: no $deb"; ls "$out"; exit 1; }

fail=0
# `cmake --install` puts the same three files under its prefix.
cmake --install "$build" --prefix "$out/prefix" >"$out/install.log" 2>&1 || { cat "$out/install.log"; exit 1; }
for path in bin/ftlens share/man/man1/ftlens.1 share/bash-completion/completions/ftlens; do
  [ -f "$out/prefix/$path" ] || { echo "FAIL: cmake --install did not install $path"; fail=1; }
done
"$out/prefix/bin/ftlens" -V | grep -q "^ftlens $version" || { echo "FAIL: the installed ftlens -V does not say $version"; fail=1; }

contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/ftlens ./usr/share/man/man1/ftlens.1 ./usr/share/bash-completion/completions/ftlens; do
  grep -q " $path\$" <<<"$contents" || { echo "FAIL: $path not in the package"; fail=1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
for library in libtracecmd1 libtraceevent1 libtracefs1 zlib1g libzstd1 libc6; do
  grep -qE "(^|, )$library( |,|$)" <<<"$depends" || { echo "FAIL: Depends lacks $library: $depends"; fail=1; }
done
[ "$(dpkg-deb -f "$deb" Package)" = ftlens ] || { echo "FAIL: Package is not ftlens"; fail=1; }
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || { echo "FAIL: Version is not $version"; fail=1; }
# What `apt install ./ftlens_*.deb` would do here: every dependency resolves
# (simulated, so the test installs nothing on the machine).
if command -v apt-get >/dev/null; then
  simulated=$(apt-get install -s "$deb" 2>&1) || { echo "FAIL: apt-get install -s refuses the package:"; echo "$simulated"; fail=1; }
  grep -q "^Inst ftlens ($version" <<<"$simulated" || { echo "FAIL: apt would not install ftlens $version:"; echo "$simulated"; fail=1; }
fi
exit $fail
