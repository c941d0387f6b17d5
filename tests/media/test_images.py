"""Pictures re-encoded: upright, without what the camera recorded, bounded in size."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from fedcop.media import images
from tests.media import samples


def _with_exif(image_format: str) -> bytes:
    """A picture of `image_format` carrying EXIF with a location and orientation 8."""
    exif = Image.Exif()
    exif[samples.ORIENTATION] = 8
    exif.get_ifd(samples.GPS_IFD)[1] = "N"
    exif.get_ifd(samples.GPS_IFD)[2] = (52.0, 22.0, 30.0)
    out = io.BytesIO()
    Image.new("RGB", (30, 10), (200, 10, 10)).save(
        out, image_format, exif=exif.tobytes(), xmp=b"<x:xmpmeta>secret place</x:xmpmeta>"
    )
    return out.getvalue()


@pytest.mark.parametrize(
    ("image_format", "media_type"), [("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_every_format_loses_its_exif_and_xmp(
    tmp_path: Path, image_format: str, media_type: str
) -> None:
    source = tmp_path / "upload"
    source.write_bytes(_with_exif(image_format))
    assert Image.open(source).getexif()  # the sample does carry EXIF
    picture = images.process_picture(source, media_type, tmp_path / "work")
    assert (picture.width, picture.height) == (10, 30)  # orientation 8: turned
    stored = picture.file.read_bytes()
    result = Image.open(io.BytesIO(stored))
    assert result.format == image_format
    assert len(result.getexif()) == 0 and "exif" not in result.info
    assert b"secret place" not in stored and b"Exif" not in stored


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` x `height`: decoding it would take gigabytes."""
    data = samples.png(4, 4)
    ihdr = data[16:29]
    forged = struct.pack(">II", width, height) + ihdr[8:]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + forged))
    return data[:16] + forged + crc + data[33:]


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    source = tmp_path / "bomb.png"
    source.write_bytes(_png_claiming(40_000, 40_000))
    with pytest.raises(images.PictureRefused, match="too many pixels"):
        images.process_picture(source, "image/png", tmp_path / "work")


def test_a_very_large_picture_is_scaled_down(tmp_path: Path) -> None:
    source = tmp_path / "wide.png"
    Image.new("RGB", (images.MAX_SIDE * 2, 100), (0, 0, 0)).save(source, "PNG")
    picture = images.process_picture(source, "image/png", tmp_path / "work")
    assert (picture.width, picture.height) == (images.MAX_SIDE, 50)
    assert Image.open(picture.file).size == (images.MAX_SIDE, 50)
    assert max(Image.open(picture.thumbnail).size) == images.THUMBNAIL_SIDE


def test_an_animated_gif_keeps_its_frames(tmp_path: Path) -> None:
    source = tmp_path / "wave.gif"
    colours = ((255, 0, 0), (0, 255, 0), (0, 0, 255))
    frames = [Image.new("RGB", (16, 16), colour) for colour in colours]
    frames[0].save(source, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    picture = images.process_picture(source, "image/gif", tmp_path / "work")
    result = Image.open(picture.file)
    assert result.format == "GIF" and getattr(result, "n_frames", 1) == 3
    assert result.info["duration"] == 100


def test_a_damaged_picture_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "broken.jpg"
    source.write_bytes(samples.photo_with_location()[:200])
    with pytest.raises(images.PictureRefused, match="damaged"):
        images.process_picture(source, "image/jpeg", tmp_path / "work")


def test_a_huge_photo_is_scaled_down_upright(tmp_path: Path) -> None:
    # A 9000 x 3000 JPEG stored sideways (orientation 6): 3000 x 9000 once upright
    source = tmp_path / "huge.jpg"
    exif = Image.Exif()
    exif[samples.ORIENTATION] = 6
    Image.new("RGB", (9000, 3000), (90, 90, 90)).save(source, "JPEG", exif=exif.tobytes())
    picture = images.process_picture(source, "image/jpeg", tmp_path / "work")
    assert (picture.width, picture.height) == (1280, images.MAX_SIDE)
    assert Image.open(picture.file).size == (1280, images.MAX_SIDE)
