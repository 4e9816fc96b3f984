"""Colours as people with each kind of dichromacy see them, and how far apart two colours look.

- `simulate`: Machado, Oliveira and Fernandes, "A Physiologically-based Model for Simulation of
  Color Vision Deficiency" (IEEE TVCG 2009), at severity 1 (protanopia, deuteranopia,
  tritanopia): a 3x3 matrix applied to linear sRGB, the result clipped to the gamut.
- `to_lab`: sRGB (IEC 61966-2-1) to CIELAB, D65 white.
- `delta_e_2000`: the CIEDE2000 colour difference (Sharma, Wu and Dalal, "The CIEDE2000
  color-difference formula: implementation notes, supplementary test data, and mathematical
  observations", Color Research and Application 2005).

Plain Python, so the tests need no colour library; the tests check each step against
published values.
"""

from __future__ import annotations

import math

Lab = tuple[float, float, float]
Matrix = tuple[tuple[float, float, float], ...]

# Machado et al. 2009, severity 1.0 (the supplementary data's matrices for 100%).
DICHROMACY: dict[str, Matrix] = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
# Linear sRGB to CIE XYZ (D65), and the D65 white.
SRGB_TO_XYZ: Matrix = (
    (0.4124564, 0.3575761, 0.1804375),
    (0.2126729, 0.7151522, 0.0721750),
    (0.0193339, 0.1191920, 0.9503041),
)
D65_WHITE = (0.95047, 1.0, 1.08883)


def multiply(matrix: Matrix, vector: tuple[float, float, float]) -> tuple[float, float, float]:
    return tuple(sum(m * v for m, v in zip(row, vector, strict=True)) for row in matrix)


def linear_rgb(colour: str) -> tuple[float, float, float]:
    """`#RRGGBB` as linear sRGB, each channel 0 to 1."""
    channels = (int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5))
    return tuple(
        value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
        for value in channels
    )


def simulate(colour: str, deficiency: str | None) -> tuple[float, float, float]:
    """The colour, as linear sRGB, as seen with `deficiency` (None: normal vision)."""
    rgb = linear_rgb(colour)
    if deficiency is None:
        return rgb
    return tuple(min(max(value, 0.0), 1.0) for value in multiply(DICHROMACY[deficiency], rgb))


def to_lab(rgb: tuple[float, float, float]) -> Lab:
    """Linear sRGB to CIELAB (D65)."""

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = (
        f(value / white) for value, white in zip(multiply(SRGB_TO_XYZ, rgb), D65_WHITE, strict=True)
    )
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))


def lab(colour: str, deficiency: str | None = None) -> Lab:
    return to_lab(simulate(colour, deficiency))


def delta_e_2000(first: Lab, second: Lab) -> float:
    """CIEDE2000, with kL = kC = kH = 1, as Sharma et al. 2005 give it."""
    l1, a1, b1 = first
    l2, a2, b2 = second
    chroma_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(chroma_mean**7 / (chroma_mean**7 + 25**7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1 = math.degrees(math.atan2(b1, a1)) % 360 if c1 else 0.0
    h2 = math.degrees(math.atan2(b2, a2)) % 360 if c2 else 0.0
    delta_l, delta_c = l2 - l1, c2 - c1
    if c1 * c2 == 0:
        delta_h_angle = 0.0
    else:
        delta_h_angle = h2 - h1
        if delta_h_angle > 180:
            delta_h_angle -= 360
        elif delta_h_angle < -180:
            delta_h_angle += 360
    delta_h = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(delta_h_angle / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    elif h1 + h2 < 360:
        h_mean = (h1 + h2 + 360) / 2
    else:
        h_mean = (h1 + h2 - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    rotation = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(c_mean**7 / (c_mean**7 + 25**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean * t
    r_t = -math.sin(math.radians(2 * rotation)) * r_c
    return math.sqrt(
        (delta_l / s_l) ** 2
        + (delta_c / s_c) ** 2
        + (delta_h / s_h) ** 2
        + r_t * (delta_c / s_c) * (delta_h / s_h)
    )


def closest_pair(colours: list[str], deficiency: str | None) -> tuple[float, str, str]:
    """The two colours that look most alike with `deficiency`, and their CIEDE2000."""
    return min(
        (delta_e_2000(lab(first, deficiency), lab(second, deficiency)), first, second)
        for index, first in enumerate(colours)
        for second in colours[index + 1 :]
    )
