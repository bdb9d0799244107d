"""Make docs/weekly-summary.png: the 摘要 sheet of week 2025-W48's report on
the demo data, as LibreOffice prints it, cut to the sheet's content.

    python scripts/weekly_summary_png.py [--out docs/weekly-summary.png]

Needs LibreOffice and poppler (Debian: libreoffice-calc-nogui poppler-utils
fonts-noto-cjk fonts-crosextra-carlito; Carlito has Calibri's widths).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
WEEK = "2025-W48"
DPI = 160            # the sheet's content about 1,450 pixels wide
MARGIN = 30          # white around the content (pixels)
COLOURS = 128        # a palette this big keeps the text and fills exact enough


def run(*args: str, cwd: Path = ROOT) -> None:
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def content_box(page: Image.Image) -> tuple[int, int, int, int]:
    """The sheet's content on a printed page: everything above the footer (the
    line of ink at the bottom, after the last gap taller than a line's)."""
    ink = ImageOps.invert(page.convert("L")).point(lambda v: 255 if v > 24 else 0)
    rows = [y for y in range(ink.height) if ink.crop((0, y, ink.width, y + 1)).getbbox()]
    gaps = [a for a, b in zip(rows, rows[1:]) if b - a > DPI // 8]
    footer_top = gaps[-1] + 1 if gaps else ink.height
    left, top, right, bottom = ink.crop((0, 0, ink.width, footer_top)).getbbox()
    return (max(left - MARGIN, 0), max(top - MARGIN, 0), min(right + MARGIN, page.width),
            min(bottom + MARGIN, page.height))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "weekly-summary.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        db, book = tmp / "demo.duckdb", tmp / "weekly.xlsx"
        run(sys.executable, "-m", "pipelines", "demo", "--db", str(db))
        run(sys.executable, "-m", "reports", "weekly", "--week", WEEK, "--db", str(db),
            "--out", str(book))
        run("soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(book))
        run("pdftoppm", "-f", "1", "-l", "1", "-r", str(DPI), "-png", "-singlefile",
            str(tmp / "weekly.pdf"), str(tmp / "page"))
        page = Image.open(tmp / "page.png").convert("RGB")
    shot = page.crop(content_box(page)).quantize(COLOURS, dither=Image.Dither.NONE)
    shot.save(args.out, optimize=True)
    print(f"{args.out}: {shot.width}x{shot.height}, {args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
