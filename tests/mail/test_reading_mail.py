"""Reading inbound mail: the words a member wrote, without what they quoted or signed."""

from __future__ import annotations

from email.message import EmailMessage

from fedcop.mail import reading
from fedcop.mail.reply_text import reply_text
from fedcop.workers.mail_inbound import imap_recipients


def test_gmail_quote_header_over_two_lines() -> None:
    body = (
        "Thanks, that helps.\n\nOn Mon, 7 Dec 2026 at 10:02, Alice Example <alice@example.org>\n"
        "wrote:\n\n> Here is the policy.\n"
    )
    assert reply_text(body) == "Thanks, that helps."


def test_outlook_block_and_interleaved_quotes() -> None:
    outlook = (
        "See below.\r\n\r\n________________________________\r\nFrom: Alice <a@example.org>\r\n"
        "Sent: Monday, 7 December 2026 10:02\r\nTo: stewards\r\nSubject: Retention\r\n\r\nold"
    )
    assert reply_text(outlook) == "See below."
    no_rule = "Agreed.\n\nFrom: Alice\nSent: Monday\nSubject: x\n\nold text"
    assert reply_text(no_rule) == "Agreed."
    interleaved = "> first question?\nfirst answer\n> second question?\nsecond answer\n"
    assert reply_text(interleaved) == "first answer\nsecond answer"


def test_signatures_and_device_lines() -> None:
    assert reply_text("Yes.\n-- \nBob\nData Office") == "Yes."
    assert reply_text("Yes.\n\nSent from my iPhone") == "Yes."
    assert reply_text("Le lun. 7 déc. 2026, Alice a écrit :\n> x") == ""


def test_html_only_mail_becomes_text_without_its_quote() -> None:
    mail = EmailMessage()
    mail["From"] = "Bea <bea@example.org>"
    mail["Subject"] = "Re: Retention"
    mail["Message-ID"] = "<1@example.org>"
    mail.set_content(
        "<div>We keep <b>ten</b> years.</div>"
        '<div class="gmail_quote">On Mon, Fa wrote:<blockquote>old</blockquote></div>',
        subtype="html",
    )
    mail.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="p.pdf")
    read = reading.read(bytes(mail), "bea@example.org")
    assert read.from_address == "bea@example.org"
    assert read.text == "We keep **ten** years."
    assert read.attachments == 1
    assert read.automatic is None


def test_a_null_sender_or_a_report_is_no_persons_mail() -> None:
    mail = EmailMessage()
    mail["From"] = "MAILER-DAEMON@example.org"
    mail.set_content("undeliverable")
    assert reading.read(bytes(mail), "").is_delivery_report
    assert not reading.read(bytes(mail), "someone@example.org").is_delivery_report


def test_hostile_headers_are_read_without_error() -> None:
    raw = b"From: =?utf-8?q?broken\r\nMessage-ID: <\r\nSubject: \xff\xfe\r\n\r\nhello\r\n"
    read = reading.read(raw, "x@example.org")
    assert read.text.strip() == "hello"


def test_imap_messages_are_routed_by_the_headers_the_server_added() -> None:
    raw = (
        b"Return-Path: <bea@example.org>\r\nDelivered-To: r-abc@mail.cop.example\r\n"
        b"To: Someone <someone@elsewhere.example>, stewards@mail.cop.example\r\n\r\nhi\r\n"
    )
    assert imap_recipients(raw, "mail.cop.example") == (
        "bea@example.org",
        ["r-abc@mail.cop.example"],
    )
    raw = b"To: Someone <someone@elsewhere.example>, Stewards@Mail.Cop.Example\r\n\r\nhi\r\n"
    assert imap_recipients(raw, "mail.cop.example") == ("", ["stewards@mail.cop.example"])


def test_bottom_posting_keeps_the_answer_below_the_quote() -> None:
    body = "On Mon, 7 Dec 2026, Alice wrote:\n> How long?\n> Asking.\n\nTen years.\n-- \nBob\n"
    assert reply_text(body) == "Ten years."
