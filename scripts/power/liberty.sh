#!/usr/bin/env bash
# Print the Liberty file of the power flow: $LIBERTY if set (nangate45, sky130hd
# or any .lib[.gz]; also the short names "nangate45", "sky130hd", "osu018"),
# else ../shared/pdk/nangate45_typ.lib.gz next to the repository, else osu018
# from Debian's qflow-tech-osu018 (the fresh-machine default).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# ../shared next to the checkout, or next to the main checkout of a git worktree.
pdk=${PDK_DIR:-$root/../shared/pdk}
if [[ ! -d $pdk ]]; then
  common=$(git -C "$root" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  [[ -n "$common" && -d $(dirname "$common")/../shared/pdk ]] && pdk=$(cd "$(dirname "$common")/../shared/pdk" && pwd)
fi
osu=/usr/share/qflow/tech/osu018/osu018_stdcells.lib
case "${LIBERTY:-}" in
  nangate45) LIBERTY=$pdk/nangate45_typ.lib.gz ;;
  sky130hd)  LIBERTY=$pdk/sky130hd_tt.lib.gz ;;
  osu018)    LIBERTY=$osu ;;
  "") if [[ -f $pdk/nangate45_typ.lib.gz ]]; then LIBERTY=$pdk/nangate45_typ.lib.gz; else LIBERTY=$osu; fi ;;
esac
[[ -f "$LIBERTY" ]] || { echo "power: Liberty file $LIBERTY does not exist (set LIBERTY=nangate45|sky130hd|osu018|<file>; osu018 comes with: apt-get install qflow-tech-osu018)" >&2; exit 2; }
echo "$LIBERTY"
