"""The S3-compatible backend of `MediaStorage`: uploaded files kept in a bucket.

For nodes whose web processes run on several machines: every process reads and writes the same
bucket. Works with AWS S3 and the S3-compatible servers people run themselves (MinIO, Garage,
Ceph, SeaweedFS...), hence path-style addressing (`ENDPOINT/BUCKET/KEY`: no DNS name per bucket)
and checksums only where the protocol requires them (newer AWS defaults that some of those
servers refuse).

Nothing holds a whole file in memory: a small file is sent from its open file, a big one goes
up in parts of PART_BYTES, each sent from its stretch of the file as it is read, and reads
stream the object in chunks of at most CHUNK_BYTES.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import quote

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from fedcop.media.settings import MediaSettings
from fedcop.media.storage import StorageUnavailable, StoredFileMissing

if TYPE_CHECKING:
    from types_aiobotocore_s3.client import S3Client
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef

CHUNK_BYTES = 64 * 1024
# Files above this go up in parts (S3's smallest part is 5 MiB), each sent as it is read.
MULTIPART_THRESHOLD = 8 * 1024 * 1024
PART_BYTES = 8 * 1024 * 1024
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


class FilePart(io.RawIOBase):
    """`length` bytes of the file at `path` from `offset`, as a file of their own: a part of a
    multipart upload is sent as it is read, never held whole in memory (and rewound for the
    signature or a retry, as a file is)."""

    def __init__(self, path: Path, offset: int, length: int) -> None:
        super().__init__()
        self._file = path.open("rb")
        self._offset = offset
        self._length = length
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, position: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + position))
        return self._position

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._length - self._position)
        if wanted <= 0:
            return 0
        self._file.seek(self._offset + self._position)
        count = self._file.readinto(memoryview(buffer)[:wanted])
        self._position += count
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


class S3StorageError(RuntimeError):
    """The bucket cannot be used; the message says which setting to check."""


class S3Storage:
    """Files under their keys in one bucket. Build it with `open_s3_storage`."""

    def __init__(self, settings: MediaSettings, client: S3Client, bucket: str) -> None:
        self._settings = settings
        self._client = client
        self._bucket = bucket

    async def put(self, key: str, source: Path, media_type: str) -> None:
        size = (await asyncio.to_thread(source.stat)).st_size
        if size <= MULTIPART_THRESHOLD:
            # The open file, not its bytes: the client sends it as it reads it (and rewinds it
            # for a retry).
            file = await asyncio.to_thread(source.open, "rb")
            try:
                await self._client.put_object(
                    Bucket=self._bucket,
                    Key=key,
                    Body=file,
                    ContentLength=size,
                    ContentType=media_type,
                    ContentDisposition=served_disposition(media_type),
                )
            finally:
                await asyncio.to_thread(file.close)
            return
        await self._put_in_parts(key, source, media_type)

    async def _put_in_parts(self, key: str, source: Path, media_type: str) -> None:
        started = await self._client.create_multipart_upload(
            Bucket=self._bucket,
            Key=key,
            ContentType=media_type,
            ContentDisposition=served_disposition(media_type),
        )
        upload_id = started["UploadId"]
        parts: list[CompletedPartTypeDef] = []
        size = (await asyncio.to_thread(source.stat)).st_size
        try:
            for number, offset in enumerate(range(0, size, PART_BYTES), start=1):
                length = min(PART_BYTES, size - offset)
                part = await asyncio.to_thread(FilePart, source, offset, length)
                try:
                    sent = await self._client.upload_part(
                        Bucket=self._bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=cast(IO[bytes], part),
                        ContentLength=length,
                    )
                finally:
                    await asyncio.to_thread(part.close)
                parts.append({"ETag": sent["ETag"], "PartNumber": number})
            await self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            # Parts of an unfinished upload are kept (and billed) until aborted.
            await asyncio.shield(self._abort(key, upload_id))
            raise

    async def _abort(self, key: str, upload_id: str) -> None:
        # When even this fails, a lifecycle rule on the bucket cleans what it could not.
        with contextlib.suppress(ClientError, BotoCoreError):
            await self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=key, UploadId=upload_id
            )

    async def size(self, key: str) -> int | None:
        try:
            head = await self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            code = _error_code(error)
            if code in _MISSING_CODES:
                return None
            raise StorageUnavailable(f"the bucket {self._bucket} answered {code}") from error
        except BotoCoreError as error:
            raise StorageUnavailable(f"the object storage cannot be reached: {error}") from error
        return int(head["ContentLength"])

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        arguments: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if start or end is not None:
            arguments["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            answer = await self._client.get_object(**arguments)
        except ClientError as error:
            code = _error_code(error)
            if code in _MISSING_CODES:
                raise StoredFileMissing(key) from None
            if code == "InvalidRange":
                return  # a range starting past the end holds no bytes
            raise
        # Closed however the reader stops (a client gone mid-download included), so the
        # connection is never left holding the rest of the object.
        async with answer["Body"] as body:
            while chunk := await body.read(CHUNK_BYTES):
                yield chunk

    async def delete(self, key: str) -> None:
        # S3 answers a delete of a missing key as a success: deleting twice is harmless.
        await self._client.delete_object(Bucket=self._bucket, Key=key)

    async def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Every key in the bucket under `prefix`, page by page (for operators' tools and
        tests; fedcop itself finds files through their rows)."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=prefix
        )
        async for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]

    def public_url(self, key: str) -> str | None:
        if not self._settings.public_url:
            return None
        return f"{self._settings.public_url}/{quote(key, safe='/')}"

    async def close(self) -> None:
        await self._client.close()


def served_disposition(media_type: str) -> str:
    """How a CDN serving the object straight from the bucket (FEDCOP_MEDIA_PUBLIC_URL) tells
    browsers to take it: pictures shown, anything else (SVG and HTML included, which could run
    scripts) downloaded."""
    shown = media_type.startswith("image/") and media_type != "image/svg+xml"
    return "inline" if shown else "attachment"


def client_config() -> AioConfig:
    return AioConfig(
        s3={"addressing_style": "path"},
        signature_version="s3v4",
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=10,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        # A download holds its connection for as long as its reader takes: slow readers must
        # not leave uploads and other downloads of the process waiting for one.
        max_pool_connections=256,
    )


async def open_s3_storage(settings: MediaSettings) -> S3Storage:
    """The bucket of `settings`, checked to exist and to accept the keys (S3StorageError
    names the setting to check when it does not)."""
    bucket = settings.s3_bucket
    if not settings.s3_endpoint or not bucket:
        raise S3StorageError(
            "FEDCOP_MEDIA_STORAGE=s3 needs FEDCOP_S3_ENDPOINT and FEDCOP_S3_BUCKET"
        )
    creator = get_session().create_client(
        "s3",
        endpoint_url=settings.s3_endpoint,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
        config=client_config(),
    )
    client: S3Client = await creator.__aenter__()
    try:
        await _check_bucket(client, settings, bucket)
    except BaseException:
        await client.close()
        raise
    return S3Storage(settings, client, bucket)


async def _check_bucket(client: S3Client, settings: MediaSettings, bucket: str) -> None:
    where = f"bucket {bucket!r} at {settings.s3_endpoint}"
    try:
        await client.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = _error_code(error)
        if code in {"404", "NoSuchBucket", "NotFound"}:
            raise S3StorageError(
                f"the {where} does not exist: create it, or check FEDCOP_S3_BUCKET"
            ) from None
        if code in {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
            raise S3StorageError(
                f"the {where} refused fedcop's keys ({code}): check FEDCOP_S3_ACCESS_KEY_ID "
                "and FEDCOP_S3_SECRET_ACCESS_KEY, and that they may read and write the bucket"
            ) from None
        if code in {"301", "PermanentRedirect", "AuthorizationHeaderMalformed"}:
            raise S3StorageError(
                f"the {where} lives in another region ({code}): check FEDCOP_S3_REGION"
            ) from None
        raise S3StorageError(f"the {where} cannot be used ({code}): {error}") from None
    except BotoCoreError as error:
        raise S3StorageError(
            f"cannot reach FEDCOP_S3_ENDPOINT={settings.s3_endpoint} ({error}): check the "
            "address and that the storage server is running"
        ) from None


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
