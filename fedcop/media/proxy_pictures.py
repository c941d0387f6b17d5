"""Which pictures the media proxy serves, told from their first bytes alone.

Only raster formats every browser shows, whatever the origin server or the post's entry says
the file is: an HTML page, an SVG (which can carry scripts) or anything else served "as" a
picture is refused, so the proxy never serves markup from this node's origin.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from fedcop.media import sniffing
from fedcop.media.images import MAX_PIXELS

# How many bytes `picture_type` needs.
HEAD_BYTES = 32


def picture_type(head: bytes) -> str | None:
    """The media type of a picture starting with `head`, or None if it is not one we serve:
    the pictures uploads take (sniffing.picture_type), and AVIF, which other servers send."""
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "image/avif"
    return sniffing.picture_type(head)


def too_many_pixels(path: Path) -> bool:
    """Whether the picture's header announces more than MAX_PIXELS (a decompression bomb, which
    would exhaust a visitor's browser). Reads the header only; blocking. A format Pillow does
    not read (AVIF on some builds) or a damaged header is left to the browser."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as picture:
                width, height = picture.size
    except Image.DecompressionBombError:
        return True
    except (UnidentifiedImageError, OSError, ValueError):
        return False
    return width * height > MAX_PIXELS
