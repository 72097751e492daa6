"""Codes: the ids of the games file's items (delegations, groups, venues, events, units).

Codes end up in URLs and channel names (`event:<id>`, `medals:<group>`, `unit:<event>/<phase>`),
so they are lower-case words joined by single '-'.
"""

import re
from typing import Annotated

from pydantic import AfterValidator


def _slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value):
        raise ValueError(f"{value!r} is not a code: use a-z, 0-9 and single '-' between them")
    return value


Code = Annotated[str, AfterValidator(_slug)]
