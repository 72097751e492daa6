"""The shipped games and rules, loaded once for the engine's tests, and a rules variant
that awards record bonus points."""

from shared.adapters.definitions import default_games_dir, load_games, load_rules

DATA = default_games_dir()
RULES = load_rules(DATA / "rules.yaml")
GAMES = load_games(DATA / "games.yaml", RULES)
BONUS_RULES = RULES.model_copy(
    update={"record_bonus": {"games": 2, "provincial": 4, "national": 6}}
)
