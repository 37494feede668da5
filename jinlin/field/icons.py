"""The app's icons, drawn here (no third-party assets): the platform's red tile with 邻 would need a
CJK font, so the mark is drawn as shapes — a house roof over two figures side by side (neighbours).

    python -m jinlin.field.icons     # writes static/field/icons/icon.svg and the PNGs (Pillow)
"""

from pathlib import Path

RED = (180, 40, 30)
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent / "static" / "field" / "icons"
SIZES = (192, 512)

SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<rect width="100" height="100" rx="{rx}" fill="#b4281e"/>
<polygon points="50,18 84,44 76,44 50,25 24,44 16,44" fill="#fff"/>
<circle cx="38" cy="52" r="7" fill="#fff"/><circle cx="62" cy="52" r="7" fill="#fff"/>
<path d="M26 80 Q26 63 38 63 Q50 63 50 80 Z M50 80 Q50 63 62 63 Q74 63 74 80 Z" fill="#fff"/>
</svg>
"""


def draw(size: int, *, maskable: bool = False):
    from PIL import Image, ImageDraw

    scale = 4  # drawn large and scaled down: smooth edges without an anti-aliasing library
    n = size * scale
    image = Image.new("RGB", (n, n), RED if maskable else WHITE)
    pen = ImageDraw.Draw(image)
    k = n / 100
    # A maskable icon keeps its mark within the middle 80 % (the safe zone).
    inset = 10 if maskable else 0
    s = (100 - 2 * inset) / 100

    def p(x: float, y: float) -> tuple[float, float]:
        return ((inset + x * s) * k, (inset + y * s) * k)

    if not maskable:
        pen.rounded_rectangle([0, 0, n - 1, n - 1], radius=int(18 * k), fill=RED)
    pen.polygon([p(50, 18), p(84, 44), p(76, 44), p(50, 25), p(24, 44), p(16, 44)], fill=WHITE)
    for cx in (38, 62):
        x, y = p(cx, 52)
        r = 7 * s * k
        pen.ellipse([x - r, y - r, x + r, y + r], fill=WHITE)
        left, top = p(cx - 12, 63)
        right, bottom = p(cx + 12, 97)
        pen.pieslice([left, top, right, bottom], 180, 360, fill=WHITE)
    return image.resize((size, size), Image.LANCZOS)


def build(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "icon.svg"]
    (out / "icon.svg").write_text(SVG.format(rx=18), encoding="utf-8")
    for size in SIZES:
        path = out / f"icon-{size}.png"
        draw(size).save(path, optimize=True)
        written.append(path)
    path = out / "icon-maskable-512.png"
    draw(512, maskable=True).save(path, optimize=True)
    written.append(path)
    return written


if __name__ == "__main__":
    for path in build():
        print(path)
