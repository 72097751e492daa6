// A team event played as a tournament (docs/tournaments.md): its pool tables, its bracket
// (knockout and placement matches) and the day's matches with their live scores, from the
// `tournament:<event id>` channel (GET /v1/events/{id}/tournament). The server computes the
// tables and fills the slots; the board only shows them.

import { h } from "./dom.js";
import { gamesDay } from "./units.js";

/** The whole tournament, for an event's page. */
export function tournamentSection(ctx, eventId) {
  const t = ctx.i18n.text;
  const doc = ctx.store.tournaments.get(eventId);
  if (!doc) return h("section", { class: "tournament" }, h("p", { class: "empty" }, t.loading));
  const day = ctx.store.units.today(ctx.now);
  return h("section", { class: "tournament", dataset: { event: eventId }, "aria-labelledby": "tournament-title" },
    h("h3", { id: "tournament-title" }, t.tournament),
    dayMatches(ctx, doc, day),
    h("h4", {}, t.pools),
    h("div", { class: "pools" }, doc.pools.map((pool) => poolTable(ctx, pool))),
    h("h4", {}, t.bracket),
    bracket(ctx, doc));
}

/** The day's matches of the tournament, in start order, each with its score as it stands. */
export function dayMatches(ctx, doc, day, { big = false } = {}) {
  const t = ctx.i18n.text;
  const matches = doc.matches.filter((match) => gamesDay(match.starts_at) === day)
    .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
  return h("section", { class: `day-matches${big ? " big" : ""}` },
    h("h4", {}, t.todaysMatches),
    matches.length
      ? h("ol", { class: "match-list" }, matches.map((match) => matchRow(ctx, doc, match, { named: true })))
      : h("p", { class: "empty" }, t.noMatchesToday));
}

export function poolTable(ctx, pool) {
  const t = ctx.i18n.text;
  const ties = pool.ties_to_draw.map((tie) => tie.map((code) => teamName(ctx, code)).join("、"));
  return h("table", { class: "table pool-table", dataset: { pool: pool.letter, complete: String(pool.complete) } },
    h("caption", {}, t.pool(pool.letter)),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, t.rank), h("th", { scope: "col" }, t.delegation),
      h("th", { scope: "col" }, t.played), h("th", { scope: "col" }, t.won),
      h("th", { scope: "col" }, t.lost), h("th", { scope: "col" }, t.scoredConceded),
      h("th", { scope: "col" }, t.difference), h("th", { scope: "col" }, t.classificationPoints))),
    h("tbody", {}, pool.rows.map((row) => h("tr", { dataset: { delegation: row.delegation } },
      h("td", { class: "rank" }, String(row.rank)),
      h("th", { scope: "row" }, teamName(ctx, row.delegation),
        row.decided_by ? h("span", { class: "decided-by" }, ` (${t.decidedBy[row.decided_by] || row.decided_by})`) : null),
      h("td", {}, String(row.played)), h("td", {}, String(row.won)), h("td", {}, String(row.lost)),
      h("td", {}, `${row.scored}–${row.conceded}`),
      h("td", {}, row.difference > 0 ? `+${row.difference}` : String(row.difference)),
      h("td", { class: "points" }, String(row.points))))),
    ties.length ? h("tfoot", {}, h("tr", {}, h("td", { colspan: "8", class: "note" },
      ties.map((tie) => t.tiedDraw(tie)).join("；")))) : null);
}

function bracket(ctx, doc) {
  const t = ctx.i18n.text;
  const knockout = doc.matches.filter((match) => match.pool === null);
  return h("div", { class: "bracket" },
    h("ol", { class: "bracket-matches" }, knockout.map((match) => h("li", {},
      h("p", { class: "bracket-phase" }, ctx.i18n.name({ name: match.phase_name, name_en: match.phase_name_en })),
      matchRow(ctx, doc, match)))),
    h("ol", { class: "placings" }, doc.placings.map((placing) => h("li", {
      dataset: { place: String(placing.place), delegation: placing.delegation || "" },
    }, h("span", { class: "place" }, String(placing.place)), " ",
    placing.delegation ? teamName(ctx, placing.delegation) : h("span", { class: "tbd" }, t.tbd)))));
}

function matchRow(ctx, doc, match, { named = false } = {}) {
  const t = ctx.i18n.text;
  const result = match.result;
  const scored = result && result.score ? result.score.total : null;
  // The score pairs follow the result's sides, which may be in either order.
  const scoreOf = (code) => {
    if (!scored || !code) return "";
    const index = result.sides.indexOf(code);
    return index < 0 ? "" : String(scored[index]);
  };
  const state = !result ? "scheduled" : result.status;
  return h("div", { class: `match status-${state}`, dataset: { unit: match.unit_id, phase: match.phase } },
    h("time", { datetime: match.starts_at }, ctx.i18n.time(match.starts_at).slice(0, 5)),
    named ? h("span", { class: "match-phase" }, phaseName(ctx, match)) : null,
    h("span", { class: "sides" }, match.sides.map((side, i) => [
      i === 1 ? h("span", { class: "vs" }, ` ${t.vs} `) : null,
      h("span", {
        class: `side${result && result.winner && result.winner === side.delegation ? " winner" : ""}`,
        dataset: { slot: side.slot || "", delegation: side.delegation || "" },
        title: side.waiting || null,
      }, side.delegation ? teamName(ctx, side.delegation) : slotName(ctx, doc, side.slot),
      scored ? h("b", { class: "score" }, ` ${scoreOf(side.delegation)}`) : null),
    ])),
    result && result.status === "provisional" ? h("span", { class: "badge live" }, t.liveScore) : null,
    result && result.status === "official" ? h("span", { class: "badge status-official" }, t.finalScore) : null);
}

function phaseName(ctx, match) {
  return ctx.i18n.name({ name: match.phase_name, name_en: match.phase_name_en });
}

/** Where a side comes from, as spectators say it: "A组第1", "半决赛1胜者". */
function slotName(ctx, doc, slot) {
  const t = ctx.i18n.text;
  const outcome = /^([WL]):(.+)$/.exec(slot || "");
  if (!outcome) {
    const place = /^([A-Z])(\d+)$/.exec(slot || "");
    return place ? t.poolPlace(place[1], place[2]) : t.tbd;
  }
  const source = doc.matches.find((match) => match.phase === outcome[2]);
  const name = source ? phaseName(ctx, source) : outcome[2];
  return outcome[1] === "W" ? t.winnerOf(name) : t.loserOf(name);
}

function teamName(ctx, code) {
  return ctx.i18n.name(ctx.store.delegations.get(code), code);
}
