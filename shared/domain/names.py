"""A competitor's (or team member's) name as it is kept and compared.

Officials type on phones with Chinese input methods and paste from spreadsheets and chat, which
bring invisible characters (a zero-width space, a byte order mark, direction marks) and
full-width letters and spaces with them. A name that looks the same must be the same name, or
"李明\u200b" is a second competitor beside "李明" and a zero-width space is a name.

- Format characters (Unicode category Cf: zero-width spaces and joiners, the BOM, soft hyphens,
  direction marks and overrides) are dropped. They show nothing, and the direction overrides
  can make a name read differently from what is stored. (Joiners matter in a few Arabic-script
  and Indic spellings; the games' entries are written in Chinese and Latin letters.)
- NFKC folds compatibility forms into the ordinary character: full-width Latin letters and
  digits (U+FF21 is "A"), the ideographic space, a Kangxi radical that looks like its ideograph.
  It never changes a unified ideograph, so a Chinese name stays exactly as typed
  (tests/unit/test_names.py checks every character of the basic block and extensions A-B).
  Private-use characters, which some rare name characters are still written with, are kept.
- Runs of any whitespace become one space, none at either end.
"""

from __future__ import annotations

import functools
import unicodedata


# The rank checks compare every entry's name, for each revision a rebuild replays: 141,483
# calls for 480 names at 20,000 revisions, a tenth of the rebuild's time uncached. Bounded
# far above a games' competitors (a few thousand) so that no input grows it without end.
@functools.lru_cache(maxsize=65_536)
def competitor_name(text: str) -> str:
    """The name `text` writes; empty when nothing visible is left."""
    visible = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return " ".join(unicodedata.normalize("NFKC", visible).split())
