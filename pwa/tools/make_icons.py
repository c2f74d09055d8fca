"""Draw the app's icons (our own artwork) into `pwa/static/icons`: `python -m pwa.tools.make_icons`.

A white map pin with a road under it on the brand colour. The maskable icon keeps the drawing
inside the central 80 % safe zone so launchers can crop it to any shape.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICON_DIR = Path(__file__).resolve().parent.parent / "static" / "icons"
BRAND = (11, 79, 108, 255)
ACCENT = (242, 183, 5, 255)
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4


def _draw(size: int, *, rounded: bool, safe_zone: float) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=int(big * 0.22), fill=BRAND)
    else:
        draw.rectangle((0, 0, big, big), fill=BRAND)
    inset = big * (1 - safe_zone) / 2
    unit = (big - 2 * inset) / 100

    def xy(x: float, y: float) -> tuple[float, float]:
        return inset + x * unit, inset + y * unit

    # road: a yellow band with a dashed white centre line
    draw.polygon([xy(10, 92), xy(38, 62), xy(62, 62), xy(90, 92)], fill=ACCENT)
    for start in (66, 76, 86):
        draw.polygon([xy(49, start), xy(51, start), xy(51.6, start + 5), xy(48.4, start + 5)], fill=WHITE)
    # pin: a circle with a point, and a hole
    cx, cy, radius = 50, 34, 24
    draw.ellipse((*xy(cx - radius, cy - radius), *xy(cx + radius, cy + radius)), fill=WHITE)
    draw.polygon([xy(cx - 20.5, cy + 12), xy(cx + 20.5, cy + 12), xy(cx, cy + 44)], fill=WHITE)
    draw.ellipse((*xy(cx - 9.5, cy - 9.5), *xy(cx + 9.5, cy + 9.5)), fill=BRAND)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        _draw(size, rounded=True, safe_zone=0.86).save(ICON_DIR / f"icon-{size}.png", optimize=True)
    _draw(512, rounded=False, safe_zone=0.72).save(ICON_DIR / "maskable-512.png", optimize=True)
    _draw(180, rounded=False, safe_zone=0.8).save(ICON_DIR / "apple-touch-180.png", optimize=True)


if __name__ == "__main__":
    main()
