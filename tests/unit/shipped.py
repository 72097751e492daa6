"""The shipped games and rules, loaded once for the engine's tests, a rules variant that
awards record bonus points, and records found as the entries claim them."""

from shared.adapters.definitions import default_games_dir, load_games, load_rules
from shared.domain.engine import EventRecords, Result

DATA = default_games_dir()
RULES = load_rules(DATA / "rules.yaml")
GAMES = load_games(DATA / "games.yaml", RULES)
BONUS_RULES = RULES.model_copy(
    update={"record_bonus": {"games": 2, "provincial": 4, "national": 6}}
)


def detected_as_claimed(result: Result) -> EventRecords:
    """The records found as if each entry's claim were what its mark set, in this result."""
    claimed = [(index, entry) for index, entry in enumerate(result.entries) if entry.record]
    return EventRecords(
        tags={index: entry.record for index, entry in claimed},  # type: ignore[misc]
        levels={(entry.delegation, entry.competitor): entry.record  # type: ignore[misc]
                for _, entry in claimed})
