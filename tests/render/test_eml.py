"""Email drafts and mailto links: round-trips, privacy, and no header injection."""

from __future__ import annotations

from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advocate.errors import AdvocateError
from advocate.render.eml import MAILTO_MAX, build_eml, mailto_link, mailto_too_long

BODY = (
    "Уважаемый господин Президент,\n\n"
    "Қазақстан: освободите всех, кто задержан за мирный протест.  \n"
    + "Long paragraph " * 120
    + "\n\nС уважением,\nАйгерим Садыкова\n"
)


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def draft(**overrides: object) -> bytes:
    args: dict[str, object] = {
        "to_name": "Касым-Жомарт Токаев",
        "to_addr": "press@akorda.kz",
        "from_name": "Айгерим Садыкова",
        "from_addr": "aigerim@example.kz",
        "subject": "Освободите задержанных — Release the detained protesters of January 2022",
        "body": BODY,
    }
    args.update(overrides)
    return build_eml(**args)  # type: ignore[arg-type]


def test_round_trip_cyrillic() -> None:
    message = parse(draft())
    [to] = message["To"].addresses
    [sender] = message["From"].addresses
    assert (to.display_name, to.addr_spec) == ("Касым-Жомарт Токаев", "press@akorda.kz")
    assert (sender.display_name, sender.addr_spec) == ("Айгерим Садыкова", "aigerim@example.kz")
    assert message["Subject"] == (
        "Освободите задержанных — Release the detained protesters of January 2022"
    )
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert message.get_content().replace("\r\n", "\n") == BODY  # trailing spaces kept
    assert message["X-Unsent"] == "1"


def test_no_identifying_headers_and_reproducible() -> None:
    data = draft()
    message = parse(data)
    for header in ("Message-ID", "Date", "X-Mailer", "User-Agent", "Received"):
        assert header not in message
    assert data == draft()  # the same input gives the same bytes
    assert data.isascii()  # 7-bit clean: safe through any relay or mail store
    assert all(len(line) <= 78 for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_header_lines_fold_without_losing_spaces() -> None:
    # CPython 3.11's own folder loses the space here (gh-144156); ours must not.
    subject = "Освободите задержанных " * 6 + "end"
    message = parse(draft(subject=subject))
    assert message["Subject"] == subject


def test_long_display_name_decodes_per_rfc_2047() -> None:
    # Longer than one encoded word: a decoder that follows RFC 2047 (as mail programs and
    # email.header do) drops the folding white space between the words.
    name = "Касым-Жомарт Кемелевич Токаев, Президент Республики Казахстан"
    data = draft(to_name=name)
    headers = data.split(b"\r\n\r\n", 1)[0].decode("ascii").replace("\r\n ", " ")
    [to_line] = [h for h in headers.split("\r\n") if h.startswith("To: ")]
    phrase = to_line.removeprefix("To: ").rsplit(" <", 1)[0]
    assert phrase.count("=?utf-8?b?") > 1
    assert str(make_header(decode_header(phrase))) == name


def test_ascii_names_with_specials_are_quoted() -> None:
    name = 'Smith, John "JJ" \\ Jr.'
    message = parse(draft(to_name=name, from_name="Aigerim S."))
    assert message["To"].addresses[0].display_name == name
    assert message["From"].addresses[0].display_name == "Aigerim S."
    plain = parse(draft(from_name="Aigerim Sadykova"))
    assert plain["From"].addresses[0].display_name == "Aigerim Sadykova"


def test_name_that_looks_encoded_is_kept_literally() -> None:
    name = "=?utf-8?q?Hacked?="
    subject = "Re: =?utf-8?b?SGk=?= there"
    message = parse(draft(to_name=name, subject=subject))
    assert message["To"].addresses[0].display_name == name
    assert message["Subject"] == subject


def test_cc_and_idn_domain() -> None:
    message = parse(draft(cc=[("Ёж Иванов", "jozh@bücher.example"), ("", "office@example.org")]))
    assert [(a.display_name, a.addr_spec) for a in message["Cc"].addresses] == [
        ("Ёж Иванов", "jozh@xn--bcher-kva.example"),
        ("", "office@example.org"),
    ]


def test_missing_addresses_omit_the_header() -> None:
    message = parse(draft(to_addr=None, from_addr=None))
    assert "To" not in message and "From" not in message
    assert message["Subject"].startswith("Освободите")
    assert message.get_content().replace("\r\n", "\n") == BODY


@pytest.mark.parametrize(
    "evil",
    [
        "Hi\r\nBcc: victim@example.org",
        "Hi\nBcc: victim@example.org",
        "Hi\rBcc: victim@example.org",
        "Hi\u2028Bcc: victim@example.org",
        "Hi\x85Bcc: victim@example.org",
        "Hi\x00",
        "Hi\tthere",
    ],
)
@pytest.mark.parametrize("field", ["subject", "to_name", "from_name"])
def test_header_injection_refused(evil: str, field: str) -> None:
    with pytest.raises(AdvocateError) as info:
        draft(**{field: evil})
    message = str(info.value)
    assert "contains a line break or control character" in message
    assert "victim" not in message


def test_cc_name_injection_refused() -> None:
    with pytest.raises(AdvocateError, match="Cc name contains a line break"):
        draft(cc=[("Ana\r\nBcc: x@example.org", "ana@example.org")])


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("to_addr", "secret@b@c.org", "invalid To address (more than one @)"),
        ("from_addr", "secret person@example.org", "invalid From address (contains a space)"),
        ("to_addr", "secret@example.org\r\nBcc: x@y.org", "invalid To address (contains a space)"),
        (
            "from_addr",
            "secret<x>@example.org",
            "invalid From address (character not allowed before the @)",
        ),
        (
            "to_addr",
            "секрет@example.org",
            "To address not supported in an email draft "
            "(non-ASCII before the @ needs SMTPUTF8; use a mailto link instead)",
        ),
    ],
)
def test_invalid_addresses_not_echoed(field: str, value: str, expected: str) -> None:
    with pytest.raises(AdvocateError) as info:
        draft(**{field: value})
    assert str(info.value) == expected
    assert "secret" not in str(info.value) and "секрет" not in str(info.value)


_name_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=80
).map(str.strip)


@settings(max_examples=200, deadline=None)
@given(subject=_name_text, body=st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_subject_and_body_round_trip(subject: str, body: str) -> None:
    message = parse(draft(subject=subject, body=body))
    assert (message["Subject"] or "") == subject
    expected = body.replace("\r\n", "\n").replace("\r", "\n")
    if not expected.endswith("\n"):
        expected += "\n"
    assert message.get_content().replace("\r\n", "\n") == expected


@settings(max_examples=200, deadline=None)
@given(name=_name_text.filter(lambda s: len(s.encode()) <= 45 and "  " not in s))
def test_short_display_names_round_trip(name: str) -> None:
    message = parse(draft(to_name=name))
    assert message["To"].addresses[0].display_name == name
    assert message["To"].addresses[0].addr_spec == "press@akorda.kz"


# --------------------------------------------------------------------------- mailto


def test_mailto_link() -> None:
    link = mailto_link(
        ["press@akorda.kz", "a+b@bücher.example"],
        "Free them & now?",
        "Dear President,\n\nRelease them. 100%\n",
        cc=["office@example.org"],
    )
    assert link == (
        "mailto:press@akorda.kz,a+b@xn--bcher-kva.example"
        "?subject=Free%20them%20%26%20now%3F&cc=office@example.org"
        "&body=Dear%20President%2C%0D%0A%0D%0ARelease%20them.%20100%25%0D%0A"
    )
    assert not mailto_too_long(link)


def test_mailto_cyrillic_and_empty_fields() -> None:
    link = mailto_link([], "Освободите", "")
    assert (
        link == "mailto:?subject=" + "%D0%9E%D1%81%D0%B2%D0%BE%D0%B1%D0%BE%D0%B4%D0%B8%D1%82%D0%B5"
    )
    assert unquote(link.split("=", 1)[1]) == "Освободите"
    assert mailto_link(["a@example.org"], "", "") == "mailto:a@example.org"


def test_mailto_refuses_bad_input_without_echo() -> None:
    with pytest.raises(AdvocateError) as info:
        mailto_link(["secret@b@c"], "s", "b")
    assert str(info.value) == "invalid address in a mailto link (more than one @)"
    with pytest.raises(AdvocateError, match="line break"):
        mailto_link(["a@example.org"], "s\r\nBcc: x@example.org", "b")


def test_mailto_too_long() -> None:
    link = mailto_link(["a@example.org"], "s", "x" * MAILTO_MAX)
    assert mailto_too_long(link)


@settings(max_examples=200, deadline=None)
@given(subject=_name_text, body=st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_mailto_round_trip(subject: str, body: str) -> None:
    link = mailto_link(["a@example.org"], subject, body)
    assert link.isascii() and " " not in link and "\n" not in link
    query = link.partition("?")[2]
    fields = dict(part.split("=", 1) for part in query.split("&")) if query else {}
    assert unquote(fields.get("subject", "")) == subject
    expected = body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    assert unquote(fields.get("body", "")) == expected


def _whole_body_encoded(body: str) -> bytes:
    """The slow path: the whole body encoded at once, as build_eml did before its lines were
    encoded one by one (and kept)."""
    import binascii

    data = body.encode("utf-8")
    if not data.endswith(b"\n"):
        data += b"\n"
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False).replace(
        b"\n", b"\r\n")


# Lines that test quoted-printable's edges: trailing spaces and tabs, '=' and '.' where a
# line or a soft break starts, lines just under, at and over 76 characters, every script.
_QP_PIECES = st.sampled_from([
    " ", "  ", "\t", ".", "..", "=", "==", "=\n", ".\n", " \n", "\t\n", "\r", "\r\n", "\n",
    "\n\n", "x" * 73, "x" * 74, "x" * 75, "x" * 76, "x" * 150, "Ж" * 25, "Ж" * 26, "王" * 30,
    "محمد الأحمد", "דוד כהן", "a.", "From ", "=20", "_", "?", "\x0c", "\x00", "~", "\x7f",
])
_QP_BODIES = st.one_of(
    st.lists(_QP_PIECES, max_size=30).map("".join),
    st.lists(st.one_of(_QP_PIECES, st.text(max_size=90)), max_size=12).map("".join),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400),
)


@settings(max_examples=600, deadline=None)
@given(_QP_BODIES)
def test_a_body_encoded_line_by_line_is_the_body_encoded_whole(body: str) -> None:
    from advocate.render.eml import quoted_printable

    assert quoted_printable(body) == _whole_body_encoded(body)
    assert quoted_printable(body) == _whole_body_encoded(body)  # again, from the kept lines


def test_a_body_with_a_lone_surrogate_is_refused_line_by_line_too() -> None:
    from advocate.render.eml import quoted_printable

    with pytest.raises(AdvocateError, match="lone surrogate"):
        quoted_printable("fine line\nbad \ud800 line\n")
