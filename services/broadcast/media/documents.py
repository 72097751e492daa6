"""Reading the plain documents the renderers take: the games document's names, the day an
event belongs to, a result's entries in display order and its medallists."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.broadcast.media.wording import ALL_GROUPS_LABEL, Label, beijing

Document = Mapping[str, Any]


@dataclass(frozen=True)
class GamesNames:
    """The Chinese and English names in `GET /v1/games`, looked up by code or id."""

    games: Label
    delegations: Mapping[str, Label]
    groups: Mapping[str, Label]
    venues: Mapping[str, Label]
    sports: Mapping[str, Label]
    delegation_order: tuple[str, ...]

    @classmethod
    def of(cls, games: Document) -> "GamesNames":
        def labels(section: str, key: str) -> dict[str, Label]:
            return {item[key]: Label(item["name"], item["name_en"])
                    for item in games.get(section, ())}

        return cls(
            games=Label(games["name"], games["name_en"]),
            delegations=labels("delegations", "code"),
            groups={"all": ALL_GROUPS_LABEL, **labels("groups", "code")},
            venues=labels("venues", "id"),
            sports=labels("sports", "code"),
            delegation_order=tuple(item["code"] for item in games["delegations"]),
        )

    def delegation(self, code: str) -> Label:
        return self.delegations.get(code, Label(code, code))

    def group(self, code: str) -> Label:
        return self.groups.get(code, Label(code, code))

    def venue(self, venue_id: str) -> Label:
        return self.venues.get(venue_id, Label(venue_id, venue_id))

    def sport(self, code: str) -> Label:
        return self.sports.get(code, Label(code, code))


def event_day(document: Document) -> date:
    """The day an event's result belongs to: its final's date in Beijing time."""
    return beijing(document["event"]["scheduled_at"]).date()


def official_results_of(documents: Iterable[Document], day: date) -> list[Document]:
    """The official results of `day`, in the order the events were held."""
    chosen = [document for document in documents
              if document["status"] == "official" and event_day(document) == day]
    return sorted(chosen, key=lambda document: (document["event"]["scheduled_at"],
                                                document["event"]["id"]))


def display_order(entries: Iterable[Document]) -> list[Document]:
    """Entries by rank, tied ones in the order entered, unranked (DNF, DSQ, DNS) last."""
    return sorted(entries, key=lambda entry: (entry["rank"] is None, entry["rank"] or 0))


def medallists(document: Document) -> list[Document]:
    """The entries with a medal, gold first."""
    return [entry for entry in display_order(document["entries"]) if entry.get("medal")]


def is_tied(rows: Iterable[Document], rank: int) -> bool:
    """Whether more than one row of a table or result has `rank`."""
    return sum(1 for row in rows if row["rank"] == rank) > 1
