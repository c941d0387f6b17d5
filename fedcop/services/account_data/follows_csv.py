"""The follow list as Mastodon's CSV, both ways.

    Account address,Show boosts,Notify on new posts,Languages
    ana@social.example,true,false,

Written: one line per account or community followed (accepted or still asked), by address.
Read: the header line is optional (Mastodon writes it; older exports had none); every other
line names one address in its first column. The file is bounded (MAX_BYTES, MAX_ROWS); a line
that names no address is reported with its number and why, and the rest are imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from fedcop.i18n.current import _, written_number
from fedcop.services.errors import InvalidInput
from fedcop.store.account_data.export_rows import FollowedAccount

HEADER = ["Account address", "Show boosts", "Notify on new posts", "Languages"]
MAX_BYTES = 512 * 1024
MAX_ROWS = 2000

# name@host (an optional leading @, as people copy handles): a name as servers make them, a
# host name with an optional port.
_ADDRESS = re.compile(r"^@?([A-Za-z0-9_.\-]{1,100})@([A-Za-z0-9.\-]{1,253}(?::[0-9]{1,5})?)$")


def address_of(account: FollowedAccount, local_domain: str) -> str:
    return f"{account.username}@{account.domain or local_domain}"


def written(accounts: Iterable[FollowedAccount], local_domain: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for account in accounts:
        writer.writerow([address_of(account, local_domain), "true", "false", ""])
    return out.getvalue()


@dataclass(frozen=True)
class BadLine:
    number: int
    text: str
    why: str


@dataclass(frozen=True)
class ReadList:
    addresses: list[str]
    bad_lines: list[BadLine]


def read(data: bytes) -> ReadList:
    """The addresses a follows CSV names, each once, lower case; the lines that name none."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            _(
                "the file is larger than %(kib)s KiB: split it",
                kib=written_number(MAX_BYTES // 1024),
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _("the file is not UTF-8 text: export it again from your server")
        ) from None
    addresses: list[str] = []
    seen: set[str] = set()
    bad: list[BadLine] = []
    rows = csv.reader(io.StringIO(text))
    try:
        for number, row in enumerate(rows, start=1):
            if number > MAX_ROWS + 1:
                raise InvalidInput(
                    _(
                        "the file has more than %(number)s lines: split it",
                        number=written_number(MAX_ROWS),
                    )
                )
            first = row[0].strip() if row else ""
            if not first or (number == 1 and first.lower() == HEADER[0].lower()):
                continue
            match = _ADDRESS.match(first)
            if match is None:
                bad.append(
                    BadLine(number, first[:200], _("this is not an address like name@server"))
                )
                continue
            address = f"{match.group(1)}@{match.group(2)}".lower()
            if address not in seen:
                seen.add(address)
                addresses.append(address)
    except csv.Error as error:
        raise InvalidInput(
            _("the file is not a CSV file this node can read: %(error)s", error=error)
        ) from None
    if not addresses and not bad:
        raise InvalidInput(_("the file names no account to follow"))
    return ReadList(addresses, bad)
