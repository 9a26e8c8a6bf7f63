#!/usr/bin/env bash
# Screenshot of GTKWave showing a trace with the savefile esact-sim generated:
#   sim/tools/wave_shot.sh FILE.fst FILE.fst.gtkw OUT.png [T0 T1]
# Runs gtkwave under Xvfb (Debian package xvfb; xwd from x11-apps), zooms to
# [T0, T1] (trace time units: 2 per clock cycle) with a Tcl script, grabs the
# screen with xwd and converts it to PNG with Python (PIL).
set -euo pipefail
fst=$1; gtkw=$2; out=$3; t0=${4:-0}; t1=${5:-400}
for t in Xvfb xwd gtkwave; do
  command -v $t > /dev/null || { echo "wave_shot.sh: $t missing (apt-get install -y xvfb x11-apps gtkwave)" >&2; exit 2; }
done
tmp=$(mktemp -d)
disp=:$((50 + RANDOM % 40))
cat > "$tmp/zoom.tcl" <<TCL
gtkwave::setZoomRangeTimes $t0 $t1
gtkwave::setWindowStartTime $t0
TCL
Xvfb "$disp" -screen 0 1600x1800x24 > "$tmp/xvfb.log" 2>&1 &
xpid=$!
sleep 2
DISPLAY=$disp gtkwave "$fst" "$gtkw" --script "$tmp/zoom.tcl" > "$tmp/gtkwave.log" 2>&1 &
gpid=$!
sleep ${WAVE_SHOT_WAIT:-8}
DISPLAY=$disp xwd -root -silent > "$tmp/screen.xwd"
kill "$gpid" 2> /dev/null || true
kill "$xpid" 2> /dev/null || true
/usr/bin/python3 - "$tmp/screen.xwd" "$out" <<'PY'
# XWD (ZPixmap, 24/32 bpp TrueColor) -> PNG
import struct, sys
import numpy as np
from PIL import Image
b = open(sys.argv[1], 'rb').read()
h = struct.unpack('>25I', b[:100])
hsize, fmt, depth, w, ht, order, bpp, bpl, ncolors = h[0], h[2], h[3], h[4], h[5], h[7], h[11], h[12], h[19]
assert fmt == 2 and bpp == 32, (fmt, bpp)
data = np.frombuffer(b[hsize + 12 * ncolors:][:bpl * ht], dtype=np.uint8).reshape(ht, bpl)[:, :w * 4].reshape(ht, w, 4)
rgb = data[:, :, [2, 1, 0]] if order == 0 else data[:, :, [1, 2, 3]]
Image.fromarray(np.ascontiguousarray(rgb)).save(sys.argv[2])
print(f"{sys.argv[2]}: {w}x{ht}")
PY
rm -rf "$tmp"
