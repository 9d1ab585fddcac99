"""Product pictures drawn with Pillow: stylised bangles, rings, pendants, beads and pearls.

No downloads and no fonts: shapes are filled with metal, jade or pearl gradients on a soft studio
background with a shadow. `product_image(shape, material, variant)` returns JPEG bytes and is
cached, so a catalog of thousands of styles reuses a few dozen distinct pictures;
`spin_frames()` draws a turntable set for the 360° viewer.
"""

from __future__ import annotations

import io
import math
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageOps

SIZE = 1024
SS = 1.5  # supersampling factor: draw large, scale down for smooth edges

# dark, mid, light stops of each material
PALETTES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]] = {
    "gold": ((128, 84, 12), (214, 166, 58), (255, 238, 176)),
    "platinum": ((104, 106, 116), (196, 198, 208), (252, 252, 255)),
    "silver": ((112, 112, 112), (200, 200, 196), (250, 250, 246)),
    "jadeite": ((18, 92, 52), (74, 168, 108), (196, 242, 206)),
    "nephrite": ((176, 170, 148), (226, 222, 204), (252, 251, 244)),
    "pearl": ((196, 184, 180), (240, 232, 228), (255, 255, 255)),
    "diamond": ((150, 176, 200), (226, 238, 250), (255, 255, 255)),
}
BACKGROUNDS = ((250, 244, 236), (244, 240, 246), (238, 244, 242), (250, 240, 236))


def _gradient(size: tuple[int, int], material: str, angle: float = 35.0) -> Image.Image:
    dark, mid, light = PALETTES[material]
    ramp = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    ramp = ImageOps.fit(ramp, size)
    # Two bands of light make metal read as polished rather than flat.
    ramp = ramp.point(lambda v: int(127 + 127 * math.sin(v / 255 * math.pi * 2.2)))
    return ImageOps.colorize(ramp, black=dark, white=light, mid=mid)


def _background(side: int, tint: int) -> Image.Image:
    base = BACKGROUNDS[tint % len(BACKGROUNDS)]
    glow = Image.radial_gradient("L").resize((side, side))
    edge = tuple(max(0, c - 22) for c in base)
    return ImageOps.colorize(glow, black=base, white=edge)


def _paste(canvas: Image.Image, material: str, mask: Image.Image, angle: float = 35.0) -> None:
    fill = _gradient(canvas.size, material, angle)
    canvas.paste(fill, (0, 0), mask)


def _shadow(canvas: Image.Image, box: tuple[int, int, int, int]) -> None:
    layer = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(layer).ellipse(box, fill=90)
    layer = layer.filter(ImageFilter.GaussianBlur(canvas.size[0] // 60))
    canvas.paste((120, 110, 100), (0, 0), layer)


def _band(
    canvas: Image.Image, material: str, cx: int, cy: int, rx: int, ry: int, thick: int, angle: float = 35.0
) -> None:
    mask = Image.new("L", canvas.size, 0)
    d = ImageDraw.Draw(mask)
    d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    d.ellipse((cx - rx + thick, cy - ry + thick * 0.75, cx + rx - thick, cy + ry - thick * 0.75), fill=0)
    _paste(canvas, material, mask, angle)
    hl = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(hl).arc(
        (cx - rx + thick // 3, cy - ry + thick // 4, cx + rx - thick // 3, cy + ry - thick // 4),
        200,
        300,
        fill=150,
        width=max(2, thick // 6),
    )
    canvas.paste((255, 255, 255), (0, 0), hl.filter(ImageFilter.GaussianBlur(thick // 5 or 1)))


def _sphere(canvas: Image.Image, material: str, cx: int, cy: int, r: int) -> None:
    dark, mid, light = PALETTES[material]
    # A larger glow cropped off-centre puts the light at the upper left, like a studio soft box.
    glow = ImageOps.invert(Image.radial_gradient("L")).resize((3 * r, 3 * r))
    glow = glow.crop((int(0.8 * r), int(0.8 * r), int(0.8 * r) + 2 * r, int(0.8 * r) + 2 * r))
    ball = ImageOps.colorize(glow, black=dark, white=light, mid=mid)
    mask = Image.new("L", (2 * r, 2 * r), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, 2 * r - 1, 2 * r - 1), fill=255)
    canvas.paste(ball, (cx - r, cy - r), mask)


def _diamond(canvas: Image.Image, cx: int, cy: int, w: int) -> None:
    d = ImageDraw.Draw(canvas)
    h_crown, h_pav = w * 0.28, w * 0.62
    crown = [(cx - w / 2, cy), (cx - w / 4, cy - h_crown), (cx + w / 4, cy - h_crown), (cx + w / 2, cy)]
    d.polygon(crown, fill=(236, 244, 252), outline=(150, 170, 190))
    d.polygon([(cx - w / 2, cy), (cx + w / 2, cy), (cx, cy + h_pav)], fill=(206, 222, 240), outline=(150, 170, 190))
    for i in range(-2, 3):  # facet lines
        d.line([(cx + i * w / 8, cy), (cx, cy + h_pav)], fill=(170, 190, 212), width=max(1, w // 60))
    d.line([(cx - w / 4, cy - h_crown), (cx - w / 8, cy)], fill=(180, 196, 214), width=max(1, w // 60))
    d.line([(cx + w / 4, cy - h_crown), (cx + w / 8, cy)], fill=(180, 196, 214), width=max(1, w // 60))


def _chain(canvas: Image.Image, material: str, side: int, depth: float = 0.55) -> tuple[int, int]:
    """A chain hanging in a U from the top corners; returns its lowest point."""
    cx, top, bottom = side // 2, int(side * 0.05), int(side * depth)
    links = 70
    r = max(3, side // 140)
    for i in range(links + 1):
        t = i / links * math.pi
        x = int(cx - math.cos(t) * side * 0.36)
        y = int(top + math.sin(t) * (bottom - top))
        _sphere(canvas, material, x, y, r)
    return cx, bottom


def _draw(shape: str, material: str, side: int, rng: random.Random, turn: float = 0.0) -> Image.Image:
    canvas = _background(side, rng.randint(0, 3)).convert("RGB")
    c = side // 2
    squash = 0.42 + 0.18 * abs(math.cos(turn))
    metal = material if material in ("gold", "platinum", "silver") else "gold"
    if shape in ("bangle", "jade-bangle", "nephrite-bangle"):
        mat = {"jade-bangle": "jadeite", "nephrite-bangle": "nephrite"}.get(shape, material)
        _shadow(canvas, (int(side * 0.16), int(side * 0.70), int(side * 0.84), int(side * 0.86)))
        thick = int(side * (0.09 if mat in ("jadeite", "nephrite") else 0.07))
        _band(
            canvas,
            mat,
            c,
            int(side * 0.5),
            int(side * 0.36),
            int(side * 0.36 * squash),
            thick,
            35 + math.degrees(turn) / 4,
        )
        if mat == "jadeite":  # floating-flower inclusions
            spots = Image.new("L", canvas.size, 0)
            d = ImageDraw.Draw(spots)
            for _ in range(30):
                a = rng.uniform(0, 2 * math.pi)
                x = c + math.cos(a) * side * 0.33
                y = side * 0.5 + math.sin(a) * side * 0.33 * squash
                d.ellipse(
                    (x - side * 0.02, y - side * 0.01, x + side * 0.02, y + side * 0.01), fill=rng.randint(60, 140)
                )
            canvas.paste((20, 110, 60), (0, 0), spots.filter(ImageFilter.GaussianBlur(side // 120)))
    elif shape in ("ring", "diamond-ring"):
        _shadow(canvas, (int(side * 0.28), int(side * 0.72), int(side * 0.72), int(side * 0.82)))
        _band(
            canvas,
            material,
            c,
            int(side * 0.56),
            int(side * 0.24),
            int(side * 0.24 * squash),
            int(side * 0.045),
            35 + math.degrees(turn) / 4,
        )
        if shape == "diamond-ring":
            x = int(c + math.sin(turn) * side * 0.2)
            _diamond(canvas, x, int(side * 0.56 - side * 0.24 * squash - side * 0.02), int(side * 0.18))
    elif shape in ("pendant", "diamond-pendant", "jade-pendant", "pearl-pendant"):
        x, y = _chain(canvas, metal, side, 0.5)
        _shadow(canvas, (int(side * 0.36), int(side * 0.82), int(side * 0.64), int(side * 0.9)))
        if shape == "diamond-pendant":
            _diamond(canvas, x, y + side // 10, side // 6)
        elif shape == "pearl-pendant":
            _sphere(canvas, "pearl", x, y + side // 8, side // 10)
        else:
            mat = "jadeite" if shape == "jade-pendant" else material
            _band(canvas, mat, x, y + side // 6, side // 8, side // 8, side // 14)
    elif shape in ("bead", "bracelet"):
        d = ImageDraw.Draw(canvas)
        count = 1 if shape == "bead" else 14
        _shadow(canvas, (int(side * 0.18), int(side * 0.70), int(side * 0.82), int(side * 0.84)))
        d.arc(
            (int(side * 0.12), int(side * 0.22), int(side * 0.88), int(side * 0.78)),
            0,
            360,
            fill=(178, 32, 40),
            width=side // 90,
        )
        for i in range(count):
            a = math.pi / 2 + i / max(count, 1) * 2 * math.pi + turn
            r = side // 9 if shape == "bead" else side // 22
            _sphere(
                canvas, material, int(c + math.cos(a) * side * 0.38), int(side * 0.5 + math.sin(a) * side * 0.28), r
            )
    elif shape in ("earring", "pearl-earring"):
        for dx in (-1, 1):
            x = c + dx * side // 5
            d = ImageDraw.Draw(canvas)
            d.arc(
                (x - side // 16, int(side * 0.22), x + side // 16, int(side * 0.36)),
                180,
                360,
                fill=PALETTES[metal][1],
                width=side // 110,
            )
            if shape == "pearl-earring":
                _sphere(canvas, "pearl", x, int(side * 0.52), side // 11)
            else:
                _sphere(canvas, material, x, int(side * 0.5), side // 13)
    elif shape in ("necklace", "pearl-necklace"):
        if shape == "pearl-necklace":
            for i in range(31):
                t = i / 30 * math.pi
                _sphere(
                    canvas,
                    "pearl",
                    int(c - math.cos(t) * side * 0.36),
                    int(side * 0.08 + math.sin(t) * side * 0.6),
                    side // 30,
                )
        else:
            x, y = _chain(canvas, material, side, 0.62)
            _sphere(canvas, material, x, y + side // 30, side // 24)
    return canvas


def _encode(img: Image.Image, side: int) -> bytes:
    if img.size[0] != side:
        img = img.resize((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=86, optimize=True)
    return out.getvalue()


@lru_cache(maxsize=256)
def product_image(shape: str, material: str, variant: int = 0, size: int = SIZE) -> bytes:
    """JPEG bytes of one product picture; the same arguments always draw the same picture."""
    rng = random.Random(f"{shape}/{material}/{variant}")
    return _encode(_draw(shape, material, int(size * SS), rng, turn=variant * 0.5), size)


def spin_frames(shape: str, material: str, frames: int = 16, size: int = 640) -> list[bytes]:
    """A turntable: `frames` pictures of the piece turned by 360°/frames each."""
    rng_seed = f"spin/{shape}/{material}"
    return [
        _encode(_draw(shape, material, int(size * SS), random.Random(rng_seed), turn=2 * math.pi * i / frames), size)
        for i in range(frames)
    ]
