"""Pictures as fedcop keeps them: upright, re-encoded, stripped of what their camera recorded.

    upload (JPEG | PNG | GIF | WebP, already sniffed)
      -> header only: width x height (x frames) over MAX_PIXELS -> refused before decoding
      -> decode, turn upright by its EXIF orientation (ImageOps.exif_transpose)
      -> larger than MAX_SIDE on a side -> scaled down
      -> re-encoded in its own format with no EXIF, no XMP, no comments (a phone's photo carries
         where it was taken); the colour profile (ICC) is kept, it says nothing about anyone
      -> a WebP thumbnail (THUMBNAIL_SIDE), a blurhash, the width and height

Decoding is CPU work: `process_picture_off_loop` runs it in a thread, at most
PROCESSING_AT_ONCE per process, so uploads never stall the event loop or the machine.
"""

from __future__ import annotations

import asyncio
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path

import blurhash  # type: ignore[import-untyped]  # no type information shipped
from PIL import Image, ImageOps, ImageSequence

# The most pixels (over all frames) a picture may have: more is a decompression bomb, or at least
# no photo of a whiteboard. Checked from the header, before any pixel is decoded.
MAX_PIXELS = 64_000_000
# The most frames an animation may have (each becomes an image in memory while re-encoding).
MAX_FRAMES = 500
# Pictures larger than this on a side are scaled down (a 4K screen's width).
MAX_SIDE = 3840
THUMBNAIL_SIDE = 480
# The blurhash is computed from a tiny copy: its detail does not need more.
_BLURHASH_SIDE = 64
_BLURHASH_COMPONENTS = (4, 3)
# How many pictures one process decodes at once (each in a thread of its own).
PROCESSING_AT_ONCE = 2

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
# What survives re-encoding from the decoded picture's info (everything else, EXIF, XMP,
# comments, text chunks, is dropped).
_KEPT_INFO = ("icc_profile", "transparency", "duration", "loop", "background")


class PictureRefused(ValueError):
    """The picture cannot be taken (too many pixels, damaged); the message says so."""


@dataclass(frozen=True)
class ProcessedPicture:
    width: int
    height: int
    blurhash: str
    file: Path
    thumbnail: Path


def process_picture(source: Path, media_type: str, work_dir: Path) -> ProcessedPicture:
    """Re-encode the picture at `source` into `work_dir` (file and thumbnail). Blocking."""
    image_format = _FORMATS.get(media_type)
    if image_format is None:
        raise PictureRefused(f"{media_type} is not a picture fedcop processes.")
    work_dir.mkdir(parents=True, exist_ok=True)
    file = work_dir / "file"
    thumbnail = work_dir / "thumbnail.webp"
    with warnings.catch_warnings():
        # Pillow's own bomb check only warns below twice its limit: ours refuses first.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(source, formats=[image_format]) as image:
                _check_pixels(image)
                if image_format == "JPEG":
                    # Decode a large JPEG at 1/2, 1/4 or 1/8 of its size when that still covers
                    # MAX_SIDE: it is scaled down anyway, and this keeps memory small.
                    longest = max(image.size)
                    if longest > MAX_SIDE:
                        target = tuple(side * MAX_SIDE // longest for side in image.size)
                        image.draft(image.mode, (target[0], target[1]))
                frames = _upright_frames(image)
                info = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
        except PictureRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_large() from error
        except (OSError, ValueError, SyntaxError, EOFError) as error:
            raise PictureRefused(
                "This picture is damaged or not what it claims to be; send another copy."
            ) from error
    frames = [_scaled_down(frame) for frame in frames]
    _save(frames, image_format, info, file)
    first = frames[0]
    small = _save_thumbnail(first, thumbnail)
    return ProcessedPicture(
        width=first.width,
        height=first.height,
        blurhash=_blurhash(small),
        file=file,
        thumbnail=thumbnail,
    )


def _too_large() -> PictureRefused:
    return PictureRefused(
        f"This picture has too many pixels (more than {MAX_PIXELS // 1_000_000} million); "
        "send a smaller one."
    )


def _check_pixels(image: Image.Image) -> None:
    frames = max(int(getattr(image, "n_frames", 1)), 1)
    if image.width * image.height * frames > MAX_PIXELS:
        raise _too_large()
    if frames > MAX_FRAMES:
        raise PictureRefused(
            f"This animation has more than {MAX_FRAMES} frames; send a shorter one."
        )


def _upright_frames(image: Image.Image) -> list[Image.Image]:
    """Every frame decoded and turned by the orientation the picture records (then no longer
    records: exif_transpose drops the tag, and the EXIF is not written back anyway)."""
    orientation = image.getexif().get(0x0112)
    frames: list[Image.Image] = []
    for frame in ImageSequence.Iterator(image):
        decoded = frame.copy()
        if orientation and orientation != 1:
            decoded.getexif()[0x0112] = orientation
            decoded = ImageOps.exif_transpose(decoded)
        decoded.info = {}
        frames.append(decoded)
    return frames


def _scaled_down(frame: Image.Image) -> Image.Image:
    if max(frame.size) <= MAX_SIDE:
        return frame
    scaled = frame.copy()
    scaled.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return scaled


def _save(
    frames: list[Image.Image], image_format: str, info: dict[str, object], file: Path
) -> None:
    first = frames[0]
    options: dict[str, object] = {}
    if "icc_profile" in info:
        options["icc_profile"] = info["icc_profile"]
    if image_format == "JPEG":
        if first.mode not in ("RGB", "L", "CMYK"):
            first = first.convert("RGB")
        first.save(file, "JPEG", quality=85, optimize=True, **options)
        return
    if image_format == "PNG":
        if "transparency" in info:
            options["transparency"] = info["transparency"]
        first.save(file, "PNG", optimize=True, **options)
        return
    for key in ("duration", "loop", "background", "transparency"):
        if key in info and (len(frames) > 1 or key == "transparency"):
            options[key] = info[key]
    if image_format == "WEBP":
        options.pop("transparency", None)
        options.pop("background", None)
        options["quality"] = 85
    if len(frames) > 1:
        first.save(file, image_format, save_all=True, append_images=frames[1:], **options)
    else:
        first.save(file, image_format, **options)


def _save_thumbnail(first: Image.Image, thumbnail: Path) -> Image.Image:
    """Save the thumbnail; it is returned for the blurhash (made from it: cheaper)."""
    small = first.copy()
    if small.mode not in ("RGB", "RGBA"):
        small = small.convert("RGBA" if "A" in small.getbands() or small.mode == "P" else "RGB")
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    small.save(thumbnail, "WEBP", quality=80)
    return small


def _blurhash(small: Image.Image) -> str:
    tiny = small.convert("RGB")
    tiny.thumbnail((_BLURHASH_SIDE, _BLURHASH_SIDE))
    x_components, y_components = _BLURHASH_COMPONENTS
    return str(blurhash.encode(tiny, x_components, y_components))


_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


async def process_picture_off_loop(
    source: Path, media_type: str, work_dir: Path
) -> ProcessedPicture:
    """`process_picture` in a thread, at most PROCESSING_AT_ONCE at once in this process."""
    loop = asyncio.get_running_loop()
    semaphore = _semaphores.get(loop)
    if semaphore is None:
        semaphore = _semaphores[loop] = asyncio.Semaphore(PROCESSING_AT_ONCE)
    async with semaphore:
        return await asyncio.to_thread(process_picture, source, media_type, work_dir)
