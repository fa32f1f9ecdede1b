"""Text on colours that come from the data (service-type chips and map markers).

The catalogue's colours (ServiceType.color) are chosen to tell types apart, not for the text
on them: white on the catalogue's green or yellow fails WCAG 2.1's 4.5:1. So the text takes
black or white, whichever contrasts more with the fill; for any fill one of them reaches at
least 4.58:1, and the fill itself stays as the catalogue has it.
"""

import re

_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
DARK = "#000000"
LIGHT = "#ffffff"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    """WCAG 2.1 relative luminance of a #rgb or #rrggbb colour (0 black .. 1 white)."""
    match = _HEX.match(color or "")
    if match is None:
        raise ValueError(f"not a hex colour: {color!r}")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_on(fill: str) -> str:
    """Black or white, whichever reads better on `fill` (white for a colour that is not hex)."""
    try:
        return DARK if contrast(fill, DARK) > contrast(fill, LIGHT) else LIGHT
    except ValueError:
        return LIGHT
