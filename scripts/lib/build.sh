# Builds Mooring's jars when their sources changed. Source it; do not run it.
# shellcheck shell=bash

# build_if_stale JAR MODULE: runs `mvn package` for MODULE (and what it depends on) when JAR is
# missing or a file of the parent pom, the plugin modules or MODULE is newer than it. The message
# starts "mooring: building": the benchmark looks for it to know a plugin start included a build.
build_if_stale() {
  local jar=$1 module=$2 root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  local sources=("$root/pom.xml" "$root/proto" "$root/core" "$root/controller" "$root/node" "$root/kube" "$root/app" "$root/$module")
  if [[ -f "$jar" && -z "$(find "${sources[@]}" -path '*/target' -prune -o -type f -newer "$jar" -print -quit)" ]]; then
    return 0
  fi
  echo "mooring: building (mvn -q -DskipTests -pl $module -am package)..." >&2
  (cd "$root" && mvn -B -q -DskipTests -pl "$module" -am package) >&2
}
