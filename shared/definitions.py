"""Loads the games definition and its rules from the folder settings point to."""

from dataclasses import dataclass

from shared.domain.games import Games, load_games
from shared.domain.rules import Rules, load_rules
from shared.settings import Settings


@dataclass(frozen=True)
class Definitions:
    games: Games
    rules: Rules


def load_definitions(settings: Settings) -> Definitions:
    rules = load_rules(settings.games_dir / "rules.yaml")
    return Definitions(games=load_games(settings.games_dir / "games.yaml", rules), rules=rules)
