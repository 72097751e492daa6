"""Reads a games' definition files (games.yaml, rules.yaml) from the folder settings point to."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shared.domain.errors import DefinitionError
from shared.domain.games import Games, parse_games
from shared.domain.rules import Rules, parse_rules

GAMES_FILE = "games.yaml"
RULES_FILE = "rules.yaml"


@dataclass(frozen=True)
class Definitions:
    games: Games
    rules: Rules


def default_games_dir() -> Path:
    """The folder holding this games' games.yaml and rules.yaml."""
    return Path(__file__).resolve().parent.parent / "data" / "jiaozuo-14"


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """The file's top-level YAML mapping; an unreadable or non-mapping file is a DefinitionError."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DefinitionError(path, [f"cannot read the file: {error.strerror}"]) from error
    except yaml.YAMLError as error:
        raise DefinitionError(path, [f"not valid YAML: {error}"]) from error
    if not isinstance(document, dict):
        raise DefinitionError(path, ["the file must hold a YAML mapping (key: value lines)"])
    return document


def load_rules(path: Path) -> Rules:
    """The rules file at `path`; any problem in it raises DefinitionError listing all of them."""
    return parse_rules(read_yaml_mapping(path), str(path))


def load_games(path: Path, rules: Rules) -> Games:
    """The games file at `path`; any problem in it raises DefinitionError listing all of them."""
    return parse_games(read_yaml_mapping(path), rules, str(path))


def load_definitions(games_dir: Path) -> Definitions:
    rules = load_rules(games_dir / RULES_FILE)
    return Definitions(games=load_games(games_dir / GAMES_FILE, rules), rules=rules)
