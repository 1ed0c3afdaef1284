"""Credit codes and personal data: the vectorised checks agree with python-stdnum."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from generator.personal_numbers import CANDIDATE, personal_data_in
from generator.rules.credit_codes import ALPHABET, check_character_ok

CODES = st.one_of(
    st.text(alphabet=ALPHABET, min_size=17, max_size=17).map(lambda b: b + uscc.calc_check_digit(b)),
    st.text(alphabet=ALPHABET + "IOZSV", min_size=16, max_size=19),
    # 18 bytes that are not 18 characters (Chinese text), lower case, anything at all
    st.text(alphabet="中文代码" + ALPHABET, min_size=6, max_size=18),
    st.text(alphabet=ALPHABET.lower(), min_size=18, max_size=18),
    st.text(alphabet=ALPHABET, min_size=17, max_size=17).map(lambda b: (b + uscc.calc_check_digit(b)).lower()),
    st.text(max_size=20),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(CODES | st.none(), min_size=1, max_size=20))
def test_vectorised_check_character_agrees_with_stdnum(codes: list[str | None]) -> None:
    # stdnum also accepts spaces, dashes and lower case, which it removes or raises first; a
    # directory holds codes as written, so only the written form itself counts here.
    expected = [c is not None and uscc.is_valid(c) and uscc.compact(c) == c for c in codes]
    assert check_character_ok(pl.Series(codes, dtype=pl.String)).to_list() == expected


def _resident_id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def test_resident_id_and_mobile_are_found_anywhere_in_text() -> None:
    number = _resident_id("37030219900101123")
    assert personal_data_in(f"负责人张三，身份证{number}") == f"居民身份证号码 370302********{number[-4:]}"
    assert personal_data_in("联系电话 13912345678。") == "手机号码 139****5678"


def test_lookalikes_are_not_personal_data() -> None:
    right = _resident_id("37030219900101123")
    wrong_check = right[:-1] + ("0" if right[-1] != "0" else "1")
    assert personal_data_in(wrong_check) is None
    assert personal_data_in("91370302MA3C5Q7X1B") is None
    assert personal_data_in("订单号 139123456789012") is None  # longer digit run, not a phone number


@pytest.mark.parametrize("written", [
    "商行+8613812345678", "商行008613812345678", "商行8613812345678", "商行013812345678", "商行138-1234-5678",
    "商行138 1234 5678", "商行+86 138 1234 5678", "商行１３８１２３４５６７８", "商行１３８－１２３４－５６７８",
    "商行138\u30001234\u30005678"])
def test_a_mobile_number_is_found_however_it_is_written(written: str) -> None:
    assert personal_data_in(written) == "手机号码 138****5678"


@pytest.mark.parametrize("written", ["370302 19900307 1239", "370302-19900307-1239",
                                     "３７０３０２１９９００３０７１２３９"])
def test_a_resident_id_is_found_however_it_is_grouped(written: str) -> None:
    assert personal_data_in(f"负责人{written}") == "居民身份证号码 370302********1239"


@pytest.mark.parametrize("text", ["2026-05-04 2026-05-10", "0533-1234567", "913812345678", "138 12345 678",
                                  "XW-2026-99999", "1381234567", "ZB-2026-001 13 812 345 678"])
def test_numbers_that_are_not_written_like_personal_data_are_not(text: str) -> None:
    assert personal_data_in(text) is None


WRITTEN = st.sampled_from(["13812345678", "138 1234 5678", "138-1234-5678", "+86", "0086", "86", "0", " ", "-",
                           "１３８", "１２３４", "370302", "19900307", "1239", "123X", "5678", "商行", "9", "x", "－",
                           "\u3000"])


@settings(max_examples=300)
@given(st.lists(WRITTEN, max_size=10).map("".join))
def test_the_column_filter_passes_every_value_that_holds_personal_data(text: str) -> None:
    """The vectorised CANDIDATE (polars) lets through every value personal_data_in would flag."""
    passed = pl.Series([text], dtype=pl.String).str.contains(CANDIDATE).item()
    assert passed or personal_data_in(text) is None
