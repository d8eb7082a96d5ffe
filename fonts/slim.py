#!/usr/bin/env python3
"""Makes the letter fonts in this directory from DejaVu Sans 2.37 as Debian ships it.

    apt-get install fonts-dejavu-core python3-fonttools
    python3 fonts/slim.py [/usr/share/fonts/truetype/dejavu]

What goes and why (the glyph outlines and widths stay exactly as they are):

- hinting (the fpgm, prep, cvt and gasp tables and each glyph's instructions): it only
  nudges outlines to the pixel grid on low-resolution screens; PDF viewers and printers
  render the outlines themselves. It was about half of every font program in a letter.
- the name table's licence text (4.7 KB, in two platforms): printpdf copies the whole name
  table into every subset, so each letter carried it once per font. The copyright notice
  and the licence address stay in the font; the licence itself is fonts/LICENSE.
- the OpenType layout, kerning and MATH tables: the letters are set glyph by glyph with
  the advance widths alone (no shaping, no kerning), so nothing reads them.

The oblique face is not needed: DejaVu Sans Oblique is the regular face slanted by 11
degrees, and the letters slant the regular face by the same angle (src/letters/fonts.rs).

The fonts stay named DejaVu Sans, which the licence allows for modified fonts (only the
names "Bitstream" and "Vera" are reserved).
"""

import os
import sys

from fontTools import subset

SOURCE = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu"
HERE = os.path.dirname(os.path.abspath(__file__))

for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
    subset.main(
        [
            os.path.join(SOURCE, name),
            # Every character the font has: what people type into a letter is not ours
            # to limit, and unused glyphs never reach a letter.
            "--unicodes=*",
            "--glyphs=*",
            "--notdef-outline",
            "--no-hinting",
            "--name-IDs=0,1,2,3,4,5,6,14",
            "--name-languages=1033",
            "--drop-tables+=GSUB,GPOS,GDEF,kern,MATH,FFTM,gasp,BASE,JSTF",
            "--layout-features=",
            "--output-file=" + os.path.join(HERE, name),
        ]
    )
    print(name, os.path.getsize(os.path.join(HERE, name)), "bytes")
