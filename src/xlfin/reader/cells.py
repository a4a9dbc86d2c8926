"""Reading one cell's value as the contract's kind: text, id, number, date or yes/no.

Each reader returns the typed value, or raises `CellError(code, message)`; the
caller turns that into a problem that names the cell. Numbers become Decimal
without passing through binary floating point arithmetic: a float that openpyxl
read is converted once via its shortest repr.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from email.headerregistry import Address, HeaderRegistry

from xlfin.problems import (
    CHOICE_UNKNOWN,
    CURRENCY_INVALID,
    VALUE_AMBIGUOUS_NUMBER,
    VALUE_NOT_DATE,
    VALUE_NOT_NUMBER,
    VALUE_NOT_YES_NO,
    VALUE_TOO_PRECISE,
)
from xlfin.schema import FALSE_WORDS, TRUE_WORDS

MAX_DIGITS_BEFORE_POINT = 15
MAX_DECIMALS = 12


class CellError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotComputed:
    """The value of a formula cell whose result was never computed."""

    def __repr__(self) -> str:
        return "NOT_COMPUTED"


NOT_COMPUTED = NotComputed()


class ErrorValue(str):
    """An Excel error value such as #REF!, as read from a cell of type `e`."""


class NotANumber(str):
    """The text of a number cell that is not a number (NaN, INF, garbage)."""


class OutOfRangeDate(str):
    """A number formatted as a date that falls outside the dates Excel can show."""


def shown(value: object) -> str:
    """How a raw cell value is quoted back in a message."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "…"
        return f'"{text}"'
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return str(value)


def read_text(value: object) -> str | None:
    """Trimmed text; None for blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    text = " ".join(str(value).split()) if isinstance(value, str) else str(value)
    return text or None


def read_id(value: object) -> str | None:
    """An id is text: 12 and 12.0 both mean "12"; surrounding spaces are dropped."""
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return read_text(value)


_CURRENCY_AFFIXES = re.compile(
    r"^(?:[$€£¥₣₤₹]|(?:USD|EUR|GBP|CHF|CAD|AUD|JPY)\s*)|(?:\s*(?:USD|EUR|GBP|CHF|CAD|AUD|JPY)"
    r"|[$€£¥₹])$",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")


def _digits_with_separators(text: str) -> str:
    """Normalize `1 234,50`, `1,234.50`, `12,5`; raise CellError when unsure which is which."""
    spaced = bool(re.search(r"\d[\s\u00a0\u202f']\d{3}(?!\d)", text))
    text = re.sub(r"[\s\u00a0\u202f']", "", text)
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        whole, _, fraction = text.rpartition(decimal_sep)
        if whole.count(decimal_sep) or (group_sep in whole and not _GROUPED.match(whole)):
            raise ValueError(text)
        return whole.replace(group_sep, "") + "." + fraction
    sep = "," if commas else "." if dots else None
    if sep is None:
        return text
    count = commas or dots
    if count > 1:
        if not _GROUPED.match(text):
            raise ValueError(text)
        return text.replace(sep, "")
    whole, _, fraction = text.partition(sep)
    if len(fraction) == 3 and 1 <= len(whole) <= 3 and not whole.startswith("0") and not spaced:
        raise CellError(
            VALUE_AMBIGUOUS_NUMBER,
            f"{text!r} could be {whole}{fraction} or {whole}.{fraction}; type it as a number",
        )
    return whole + "." + fraction


def parse_number_text(text: str) -> Decimal:
    """A number typed as text, read when unambiguous: `1 234,50`, `€12.50`, `12,5`, `(3.00)`."""
    raw = text.strip()
    body = raw
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1].strip()
    body = _CURRENCY_AFFIXES.sub("", body.strip()).strip()
    body = _CURRENCY_AFFIXES.sub("", body).strip()
    if body.startswith("-"):
        negative, body = not negative, body[1:].strip()
    elif body.startswith("+"):
        body = body[1:].strip()
    if not body or not re.fullmatch(r"[\d\s\u00a0\u202f',.]+", body) or not re.search(r"\d", body):
        raise CellError(VALUE_NOT_NUMBER, f"{shown(raw)} is not a number")
    try:
        number = Decimal(_digits_with_separators(body))
    except (ValueError, InvalidOperation):
        raise CellError(VALUE_NOT_NUMBER, f"{shown(raw)} is not a number") from None
    return -number if negative else number


def read_decimal(value: object) -> Decimal | None:
    """A money, hours or rate cell as an exact Decimal; None for blank."""
    if value is None:
        return None
    if isinstance(value, NotANumber):
        raise CellError(
            VALUE_NOT_NUMBER, f"the number cell holds {value[:20]!r}, which is not a number"
        )
    if isinstance(value, bool):
        raise CellError(VALUE_NOT_NUMBER, f"{shown(value)} is a yes/no value, not a number")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError(VALUE_NOT_NUMBER, f"{value} is not a number")
        number = _as_excel_shows(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        if not value.strip():
            return None
        number = parse_number_text(value)
    elif isinstance(value, (date, datetime)):
        raise CellError(VALUE_NOT_NUMBER, f"{shown(value)} is a date, not a number")
    else:
        raise CellError(VALUE_NOT_NUMBER, f"{shown(value)} is not a number")
    if not number.is_finite():
        raise CellError(VALUE_NOT_NUMBER, f"{shown(value)} is not a finite number")
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    if len(digits) + exponent > MAX_DIGITS_BEFORE_POINT or -exponent > MAX_DECIMALS:
        raise CellError(VALUE_TOO_PRECISE, f"{shown(value)} is out of range for money or hours")
    return number.normalize() if exponent < 0 else number


def _as_excel_shows(value: float) -> Decimal:
    """A float cell as Excel shows it: its shortest repr, to at most 15 significant digits.

    Excel keeps 15 significant digits, so the binary noise of a formula's result
    (0.1 + 0.2 = 0.30000000000000004) is not part of the number a person sees.
    """
    number = Decimal(repr(value))
    if len(number.as_tuple().digits) > 15:
        number = Decimal(f"{value:.15g}")
    return number


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
FIRST_DATE = date(1900, 1, 1)


def _in_range(day: date, raw: object) -> date:
    if day < FIRST_DATE:
        raise CellError(
            VALUE_NOT_DATE,
            f"{shown(raw)} is before 1900, outside the dates Excel holds; check the year",
        )
    return day


def read_date(value: object) -> date | None:
    """A real Excel date or ISO text `2024-06-30`; None for blank."""
    if value is None:
        return None
    if isinstance(value, OutOfRangeDate):  # reported as the number it is, as by calamine
        number = float(value)
        value = int(number) if number.is_integer() else number
    if isinstance(value, datetime):
        return _in_range(value.date(), value)
    if isinstance(value, date):
        return _in_range(value, value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        match = _ISO_DATE.match(text[:10]) if len(text) in (10, 19) else None
        if match and (len(text) == 10 or text[10] in "T "):
            try:
                return _in_range(date(int(match[1]), int(match[2]), int(match[3])), value)
            except ValueError:
                raise CellError(VALUE_NOT_DATE, f"{shown(value)} is not a real date") from None
        raise CellError(
            VALUE_NOT_DATE, f"{shown(value)} is not a date; type a date or YYYY-MM-DD text"
        )
    raise CellError(
        VALUE_NOT_DATE,
        f"{shown(value)} is not a date Excel can show; format the cell as a date or type "
        "YYYY-MM-DD",
    )


def read_bool(value: object) -> bool | None:
    """Yes/No, True/False, Y/N, 1/0, Oui/Non or an Excel boolean; None for blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().casefold()
        if not word:
            return None
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise CellError(VALUE_NOT_YES_NO, f"{shown(value)} is not Yes or No")


def read_choice(value: object, choices: tuple[str, ...], what: str) -> str | None:
    """One of `choices`, matched ignoring case and spaces; None for blank."""
    text = read_text(value)
    if text is None:
        return None
    wanted = text.casefold()
    for choice in choices:
        if choice.casefold() == wanted:
            return choice
    raise CellError(
        CHOICE_UNKNOWN, f"{shown(text)} is not a {what}; use one of: {', '.join(choices)}"
    )


def read_currency(value: object) -> str | None:
    """A three-letter ISO 4217 code, upper-cased (`eur` -> "EUR"); None for blank."""
    text = read_text(value)
    if text is None:
        return None
    code = text.upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise CellError(
            CURRENCY_INVALID, f"{shown(text)} is not a currency code such as USD, EUR or GBP"
        )
    return code


def read_addresses(text: str) -> tuple[tuple[str, ...], list[str]]:
    """The e-mail addresses of a cell such as Report to, and the pieces that are none.

    Addresses are separated by commas or semicolons outside quotes and angle brackets, and
    each is parsed as a mail header's address is (`"Doe, John" <john@acme.example>`, `Jane
    <jane@acme.example>`, `ap@acme.example`); a piece that is not exactly one address with a
    user and a domain (`Accounts Payable`, `john@`) is returned apart, never guessed at.
    """
    addresses: list[str] = []
    bad: list[str] = []
    for piece in _address_pieces(text):
        try:
            header = _ADDRESS_HEADERS("To", piece)
            found = header.addresses
        except (IndexError, ValueError, TypeError):  # the parser gives up on some garbage
            bad.append(piece)
            continue
        if header.defects or len(found) != 1 or not found[0].username or not found[0].domain:
            bad.append(piece)
            continue
        address = found[0]
        if not address.domain.isascii():  # an international domain, as DNS knows it
            try:
                domain = address.domain.encode("idna").decode("ascii")
            except UnicodeError:
                bad.append(piece)
                continue
            address = Address(address.display_name, address.username, domain)
        addresses.append(str(address))
    return tuple(addresses), bad


_ADDRESS_HEADERS = HeaderRegistry()


def _address_pieces(text: str) -> list[str]:
    pieces, current, quoted, angle = [], [], False, False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in "<>" and not quoted:
            angle = char == "<"
        if char in ",;" and not quoted and not angle:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return [piece.strip() for piece in pieces if piece.strip()]
