"""What a seq in a query, a header or a request may be: a PostgreSQL bigint written in ASCII."""

import pytest

from services.broadcast.access import MAX_SEQ, is_seq


@pytest.mark.parametrize("text", ["0", "7", "0042", str(MAX_SEQ)])
def test_a_seq_is_a_bigint_in_ascii_digits(text: str) -> None:
    assert is_seq(text)


@pytest.mark.parametrize("text", [
    "", "-1", "+1", "1.0", " 1", "٣", "²", str(MAX_SEQ + 1), "9" * 20, "9" * 5000,
])
def test_anything_else_is_no_seq(text: str) -> None:
    assert not is_seq(text)
