"""Resident identity numbers and mainland mobile numbers as people actually write them (第二十一条).

One definition for the validation rule (generator.rules.personal_data) and the two last gates
before publication (generator.publish.privacy over the site, generator.opendata.privacy over
the downloads). A clerk's text holds "138 1234 5678", "138-1234-5678", "+86 13812345678",
"008613812345678", "013812345678", full-width "１３８１２３４５６７８", or an identity number
grouped "370302 19900307 1239": all of them are found. Text is NFKC-normalised first (full-width
digits, signs and spaces become ASCII), then matched with the grouping people use (mobile 3-4-4,
identity number 6-8-4, each gap a single space or dash). A number inside a longer run of digits
(an 18-digit credit code, an order number) is not matched by its middle.

Vectorised scans pick candidates first (polars' regex has no look-around): values with `CANDIDATE`,
runs of text with `RUN`; `personal_data_in` confirms each. They know ASCII and full-width digits,
what Chinese input methods type. Hashes, seeds and signatures are set aside with `HASH`.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum.cn import ric

# Digits (ASCII or full-width) with at most one separator (space, dash, full-width dash,
# ideographic space) between two digits, at least 11 digits, an optional leading plus sign
# and trailing X: every way of writing either number contains such a run.
RUN = r"[+＋]?[0-9０-９](?:[ \-－\u3000]?[0-9０-９]){10,}[XxＸｘ]?"

# What a value must contain to hold either number as `personal_data_in` reads it, for filtering a
# column in one pass: the same groupings and prefixes, ASCII or full-width, between non-digits.
_D, _S = "[0-9０-９]", "[ \\-－\u3000]?"
_MOBILE_FORM = f"(?:(?:[+＋]|[0０]{{2}})?[8８][6６]{_S}|[0０])?[1１][3-9３-９]{_D}{_S}{_D}{{4}}{_S}{_D}{{4}}"
_ID_FORM = f"[1-9１-９]{_D}{{5}}{_S}{_D}{{8}}{_S}{_D}{{3}}[0-9０-９XxＸｘ]"
CANDIDATE = f"(?:^|[^0-9０-９])(?:{_MOBILE_FORM}|{_ID_FORM})(?:[^0-9０-９]|$)"

# A hexadecimal digest standing alone (SHA-256, SHA-1, MD5, drand's BLS signatures; lower case,
# as every hash the tool writes): digits inside it are no phone number. Only whole, exact-length
# runs between ASCII word boundaries count, so padding a number with hexadecimal letters does
# not hide it.
HASH_LENGTHS = (192, 128, 96, 64, 40, 32)
HASH = r"(?-u:\b)(?:" + "|".join(f"[0-9a-f]{{{n}}}" for n in HASH_LENGTHS) + r")(?-u:\b)"

_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[ -]?|0)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})(?![0-9])")
_RESIDENT_ID = re.compile(r"(?<![0-9])([1-9][0-9]{5})[ -]?([0-9]{8})[ -]?([0-9]{3}[0-9Xx])(?![0-9])")
_HASH_SHAPED = re.compile("|".join(f"[0-9a-f]{{{n}}}" for n in HASH_LENGTHS))


def personal_data_in(text: str) -> str | None:
    """What personal data `text` contains, in words (the number shown masked), or None."""
    normal = unicodedata.normalize("NFKC", text)
    for match in _RESIDENT_ID.finditer(normal):
        number = "".join(match.groups()).upper()
        if ric.is_valid(number):
            return f"居民身份证号码 {number[:6]}********{number[-4:]}"
    for match in _MOBILE.finditer(normal):
        number = "".join(match.groups())
        return f"手机号码 {number[:3]}****{number[-4:]}"
    return None


def run_problem(run: str) -> str | None:
    """What a candidate run (a match of `HASH | RUN`) is, if it is personal data."""
    if is_hash(run) or (run.isascii() and run.isdigit() and len(run) not in _PLAIN_LENGTHS):
        return None
    return personal_data_in(run)


# Plain digit runs that can be a number: a mobile (11), with 0 (12), 86 (13) or 0086 (15) before
# it, an identity number (18).
_PLAIN_LENGTHS = {11, 12, 13, 15, 18}


def is_hash(run: str) -> bool:
    """Whether a match of `HASH | RUN` is the digest alternative."""
    return _HASH_SHAPED.fullmatch(run) is not None
