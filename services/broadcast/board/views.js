// Rendering: pure functions from what the store holds to DOM nodes. Each render builds
// the view afresh (a few hundred nodes at most), so nothing accumulates over days.

import { h } from "./dom.js";
import { recordBadge } from "./records.js";
import { HIGHLIGHT_MS } from "./store.js";
import { tournamentSection } from "./tournament.js";

const MEDALS = ["gold", "silver", "bronze"];

// --- helpers ------------------------------------------------------------------------

function delegationName(ctx, code, fallback) {
  return ctx.i18n.name(ctx.store.delegations.get(code), fallback || code);
}

function groupName(ctx, scope) {
  if (scope === "all") return ctx.i18n.text.allGroups;
  return ctx.i18n.name(ctx.store.groups.get(scope), scope);
}

function eventTitle(ctx, event) {
  const sport = ctx.i18n.name(ctx.store.sports.get(event.sport), "");
  const name = ctx.i18n.name(event, event.id);
  return sport ? `${sport} · ${name}` : name;
}

function rankCounts(rows) {
  const counts = new Map();
  for (const row of rows) counts.set(row.rank, (counts.get(row.rank) || 0) + 1);
  return counts;
}

/** A rank, marked when shared ("=3", read out as "tied 3rd"). */
function rankCell(ctx, rank, shared, tag = "td") {
  if (rank === null || rank === undefined) return h(tag, { class: "rank" }, "–");
  return h(tag, { class: shared ? "rank tied" : "rank", title: shared ? ctx.i18n.text.tied(rank) : null },
    shared ? h("span", { class: "tie-mark", "aria-hidden": "true" }, "=") : null,
    h("span", { class: "rank-number" }, rank),
    shared ? h("span", { class: "visually-hidden" }, ` (${ctx.i18n.text.tied(rank)})`) : null);
}

/** Keeps a highlight's CSS animation going across re-renders (the row is rebuilt). */
function highlightStyle(change, now) {
  return { "animation-delay": `-${Math.max(0, now - change.at)}ms`,
    "--highlight-ms": `${HIGHLIGHT_MS}ms` };
}

function rankMove(change, rank) {
  if (!change || change.rankFrom === undefined || change.rankFrom === rank) return null;
  const up = rank < change.rankFrom;
  return h("span", { class: up ? "move up" : "move down", "aria-hidden": "true" }, up ? "▲" : "▼");
}

function medalDot(kind) {
  return h("span", { class: `medal-dot ${kind}`, "aria-hidden": "true" });
}

// --- tabs ---------------------------------------------------------------------------

export function viewTabs(ctx) {
  const t = ctx.i18n.text;
  const scope = ctx.route.scope || "all";
  const items = [
    ["medals", `#/medals/${scope}`], ["points", `#/points/${scope}`],
    ["combined", `#/combined/${scope}`], ["results", "#/results"], ["records", "#/records"],
    ["schedule", "#/schedule"],
  ];
  return h("nav", { class: "view-tabs", "aria-label": t.viewsLabel },
    h("ul", {}, items.map(([view, href]) => h("li", {},
      h("a", { href, class: `tab tab-${view}`, "aria-current": ctx.route.view === view ? "page" : null },
        t[view])))));
}

function groupTabs(ctx, kind, scope) {
  return h("nav", { class: "group-tabs", "aria-label": ctx.i18n.text.groupsLabel },
    h("ul", {}, ctx.store.scopes().map((code) => h("li", {},
      h("a", { href: `#/${kind}/${code}`, class: "tab", "aria-current": code === scope ? "page" : null },
        groupName(ctx, code))))));
}

// --- tables -------------------------------------------------------------------------

const COLUMNS = {
  medals: (ctx) => {
    const t = ctx.i18n.text;
    return [
      { field: "gold", head: [medalDot("gold"), t.gold], label: t.goldLong, cls: "num medal-col" },
      { field: "silver", head: [medalDot("silver"), t.silver], label: t.silverLong, cls: "num medal-col" },
      { field: "bronze", head: [medalDot("bronze"), t.bronze], label: t.bronzeLong, cls: "num medal-col" },
      { field: "total", head: [t.total], cls: "num total" },
    ];
  },
  points: (ctx) => {
    const t = ctx.i18n.text;
    return [
      { field: "points", head: [t.pointsCol], cls: "num points", format: (v) => ctx.i18n.number(v) },
      { field: "places", head: [t.places], cls: "places wide-only",
        format: (v) => (Array.isArray(v) ? v.join(" · ") : "") },
    ];
  },
  combined: (ctx, scope) => {
    const t = ctx.i18n.text;
    const medals = ctx.store.table("medals", scope);
    const points = ctx.store.table("points", scope);
    const find = (table, code) => table && table.data.rows.find((row) => row.delegation === code);
    return [
      { field: "score", head: [t.score], cls: "num score" },
      { field: "medal_rank", head: [t.medalRank], cls: "num" },
      { field: "points_rank", head: [t.pointsRank], cls: "num" },
      { field: "gsb", head: [medalDot("gold"), medalDot("silver"), medalDot("bronze")],
        label: `${t.goldLong} / ${t.silverLong} / ${t.bronzeLong}`, cls: "num gsb wide-only",
        value: (row) => {
          const m = find(medals, row.delegation);
          return m ? `${m.gold}-${m.silver}-${m.bronze}` : "";
        } },
      { field: "pts", head: [t.pointsCol], cls: "num wide-only",
        value: (row) => {
          const p = find(points, row.delegation);
          return p ? ctx.i18n.number(p.points) : "";
        } },
    ];
  },
};

export function standingsTable(ctx, kind, scope, { big = false } = {}) {
  const t = ctx.i18n.text;
  const channel = `${kind}:${scope}`;
  const table = ctx.store.tables.get(channel);
  const caption = t.tableCaption(t[kind], groupName(ctx, scope));
  if (!table) {
    return h("section", { class: `standings standings-${kind}`, "aria-busy": "true" },
      h("h2", { class: "table-title" }, caption), h("p", { class: "empty" }, t.loading));
  }
  const rows = table.data.rows;
  const shared = rankCounts(rows);
  const columns = COLUMNS[kind](ctx, scope);
  const now = ctx.now;
  const body = rows.map((row) => {
    const change = ctx.store.change(channel, row.delegation, now);
    return h("tr", {
      dataset: { delegation: row.delegation, rank: String(row.rank) },
      class: change ? "changed" : null,
      style: change ? highlightStyle(change, now) : null,
    },
    rankCell(ctx, row.rank, shared.get(row.rank) > 1),
    h("th", { scope: "row", class: "delegation" },
      big ? delegationName(ctx, row.delegation, row.name)
        : h("a", { href: `#/delegation/${encodeURIComponent(row.delegation)}` },
          delegationName(ctx, row.delegation, row.name)),
      rankMove(change, row.rank)),
    columns.map((column) => {
      const raw = column.value ? column.value(row) : row[column.field];
      const text = column.format ? column.format(raw) : raw;
      const hit = change && change.fields.has(column.field);
      return h("td", { class: hit ? `${column.cls} hit` : column.cls, dataset: { field: column.field } },
        text ?? "");
    }));
  });
  const updated = table.data.updated_at ? ctx.i18n.time(table.data.updated_at) : "";
  return h("section", { class: `standings standings-${kind}`, dataset: { channel } },
    h("table", { class: "table" },
      h("caption", {}, h("span", { class: "table-title" }, caption),
        updated && !big ? h("span", { class: "table-meta" }, t.version(table.data.version, updated)) : null),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "rank" }, t.rank),
        h("th", { scope: "col", class: "delegation" }, t.delegation),
        columns.map((column) => h("th", { scope: "col", class: column.cls, title: column.label || null,
          "aria-label": column.label || null }, column.head)))),
      h("tbody", {}, body)),
    big ? null : h("p", { class: "help" }, t[`${kind}Help`]));
}

export function tablesPage(ctx, kind, scope) {
  return [groupTabs(ctx, kind, scope), standingsTable(ctx, kind, scope)];
}

// --- results ------------------------------------------------------------------------

function statusBadges(ctx, doc) {
  const t = ctx.i18n.text;
  return [
    doc.status ? h("span", { class: `badge status-${doc.status}` }, t[doc.status] || doc.status) : null,
    doc.correction ? h("span", { class: "badge correction" }, t.correction) : null,
    doc.review ? h("span", { class: "badge under-review" }, t.underReview) : null,
  ];
}

function noteLine(ctx, doc) {
  const t = ctx.i18n.text;
  // A protest (申诉) under review is shown with its reason until it is settled.
  const review = doc.review
    ? h("p", { class: "note review-note" }, t.reviewNote(doc.review.note)) : null;
  if (!doc.note) return review;
  return [h("p", { class: doc.correction ? "note correction-note" : "note" },
    doc.correction ? t.correctionNote(doc.note) : t.note(doc.note)), review];
}

/** Entries by rank; tied ones in the order entered, unranked (DNF, DSQ, DNS) last. */
function byRank(entries) {
  const ranked = (entry) => (entry.rank === null || entry.rank === undefined ? Infinity : entry.rank);
  return (entries || []).map((entry, i) => [entry, i])
    .sort(([a, i], [b, j]) => ranked(a) - ranked(b) || i - j)
    .map(([entry]) => entry);
}

function podiumEntries(doc) {
  const entries = byRank(doc.entries).filter((entry) => entry.status === "OK" || !entry.status);
  const top = entries.filter((entry) => entry.medal || (entry.rank !== null && entry.rank <= 3));
  const records = entries.filter((entry) => entry.record && !top.includes(entry));
  return [...top, ...records];
}

export function resultCard(ctx, doc, { big = false } = {}) {
  const t = ctx.i18n.text;
  const event = doc.event || {};
  const group = ctx.store.groups.get(event.group);
  const shared = rankCounts((doc.entries || []).filter((entry) => entry.rank !== null));
  const title = eventTitle(ctx, event);
  const entries = doc.status === "cancelled" ? [] : podiumEntries(doc);
  return h("article", {
    class: `result-card status-${doc.status || "none"}${doc.correction ? " is-correction" : ""}`,
    dataset: { event: event.id, revision: String(doc.revision ?? "") },
  },
  h("header", {},
    h("h3", {}, big ? title : h("a", { href: `#/event/${encodeURIComponent(event.id)}` }, title)),
    h("p", { class: "card-meta" },
      group ? h("span", { class: "group-badge" }, ctx.i18n.name(group)) : null,
      statusBadges(ctx, doc))),
  noteLine(ctx, doc),
  entries.length ? h("ol", { class: "podium" }, entries.map((entry) => h("li", {
    class: entry.medal ? `medal-${entry.medal}` : "no-medal",
  },
  h("span", { class: "place" }, entry.medal
    ? h("span", { class: `medal-badge ${entry.medal}`, title: t.medalName[entry.medal] },
      entry.rank ?? "")
    : h("span", { class: "rank-badge" }, entry.rank ?? "–"),
  shared.get(entry.rank) > 1 ? h("span", { class: "visually-hidden" }, ` ${t.tied(entry.rank)}`) : null),
  h("span", { class: "who" },
    h("span", { class: "delegation-name" }, delegationName(ctx, entry.delegation, entry.delegation_name)),
    h("span", { class: "competitor" }, entry.competitor)),
  h("span", { class: "mark" }, entry.mark || "", recordBadge(ctx, doc, entry, true)))))
    : null,
  h("footer", { class: "card-foot" },
    doc.accepted_at ? h("time", { datetime: doc.accepted_at }, t.receivedAt(ctx.i18n.time(doc.accepted_at))) : null,
    doc.revision ? h("span", {}, ` · ${t.revision(doc.revision)}`) : null));
}

export function latestResults(ctx, { limit = Infinity, big = false } = {}) {
  const t = ctx.i18n.text;
  const docs = [];
  for (const item of ctx.store.latest) {
    if (docs.length >= limit) break;
    const doc = ctx.store.eventDocs.get(item.eventId);
    if (doc) docs.push(doc);
  }
  // New results are announced through the page's one live region (app.js), not here:
  // this list is rebuilt on every change.
  return h("section", { class: "latest", "aria-labelledby": big ? null : "latest-title" },
    h("h2", { id: big ? null : "latest-title", class: "section-title" }, t.latestResults),
    docs.length
      ? h("div", { class: "cards" },
        docs.map((doc) => resultCard(ctx, doc, { big })))
      : h("p", { class: "empty" }, t.noResults));
}

// --- event page ---------------------------------------------------------------------

function entriesTable(ctx, doc, caption) {
  const t = ctx.i18n.text;
  const shared = rankCounts((doc.entries || []).filter((entry) => entry.rank !== null));
  return h("table", { class: "table entries" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col", class: "rank" }, t.rank),
      h("th", { scope: "col" }, t.delegation),
      h("th", { scope: "col" }, t.competitor),
      h("th", { scope: "col", class: "mark" }, t.mark),
      h("th", { scope: "col", class: "num wide-only" }, t.medal),
      h("th", { scope: "col", class: "num" }, t.pointsEarned))),
    h("tbody", {}, byRank(doc.entries).map((entry) => h("tr", {
      dataset: { delegation: entry.delegation },
      class: entry.medal ? `medal-${entry.medal}` : null,
    },
    entry.status && entry.status !== "OK"
      ? h("td", { class: "rank dnf" }, t.entryStatus[entry.status] || entry.status)
      : rankCell(ctx, entry.rank, shared.get(entry.rank) > 1),
    h("td", {}, h("a", { href: `#/delegation/${encodeURIComponent(entry.delegation)}` },
      delegationName(ctx, entry.delegation, entry.delegation_name))),
    h("td", {}, entry.competitor,
      entry.members && entry.members.length
        ? h("span", { class: "members" }, entry.members.join("、")) : null),
    h("td", { class: "mark" }, entry.mark || "", " ", recordBadge(ctx, doc, entry)),
    h("td", { class: "num wide-only" }, entry.medal
      ? [medalDot(entry.medal), " ", t.medalName[entry.medal]] : ""),
    h("td", { class: "num" }, entry.status === "OK" || !entry.status ? ctx.i18n.number(entry.points) : "")))));
}

export function eventPage(ctx, eventId) {
  const t = ctx.i18n.text;
  const event = ctx.store.events.get(eventId);
  if (!event) return h("section", { class: "page" }, h("p", { class: "empty" }, t.eventNotFound));
  const doc = ctx.store.eventDocs.get(eventId);
  const venue = ctx.store.venues.get(event.venue);
  const group = ctx.store.groups.get(event.group);
  const revisions = ctx.store.revisions.get(eventId) || new Map();
  const history = doc ? [...(doc.history || [])].reverse() : [];
  return h("section", { class: "page event-page", dataset: { event: eventId } },
    h("p", { class: "back" }, h("a", { href: "#/results" }, `← ${t.results}`)),
    h("h2", { class: "page-title" }, eventTitle(ctx, event)),
    h("p", { class: "page-meta" },
      group ? h("span", { class: "group-badge" }, ctx.i18n.name(group)) : null,
      h("span", {}, t[event.kind] || event.kind),
      venue ? h("span", {}, ctx.i18n.name(venue)) : null,
      event.scheduled_at ? h("span", {}, t.scheduled(ctx.i18n.dateTime(event.scheduled_at))) : null,
      event.points_multiplier && event.points_multiplier !== 1
        ? h("span", {}, t.multiplier(event.points_multiplier)) : null),
    !doc || doc.revision === null || doc.revision === undefined
      ? h("p", { class: "empty" }, ctx.eventLoading ? t.loading : t.noResultYet)
      : [
        h("p", { class: "card-meta" }, statusBadges(ctx, doc),
          h("span", {}, `${t.revision(doc.revision)} · ${ctx.i18n.dateTime(doc.accepted_at)}`)),
        noteLine(ctx, doc),
        doc.status === "cancelled" ? h("p", { class: "cancelled" }, t.cancelled)
          : entriesTable(ctx, doc, t.entriesCaption),
        h("section", { class: "history", "aria-labelledby": "history-title" },
          h("h3", { id: "history-title" }, t.history),
          h("ul", { class: "history-list" }, history.map((item) => {
            const older = revisions.get(item.revision);
            const isCurrent = item.revision === doc.revision;
            return h("li", { dataset: { revision: String(item.revision) }, class: isCurrent ? "current" : null },
              h("p", {},
                h("strong", {}, t.revision(item.revision)), " · ",
                h("span", { class: `badge status-${item.status}` }, t[item.status] || item.status), " · ",
                h("time", { datetime: item.accepted_at }, ctx.i18n.dateTime(item.accepted_at)),
                isCurrent ? h("span", { class: "current-mark" }, ` (${t.current})`) : null,
                item.entered_by ? h("span", { class: "entered-by" }, ` · ${t.enteredBy(item.entered_by)}`) : null),
              item.note ? h("p", { class: "note" }, t.note(item.note)) : null,
              !isCurrent && older && older.status !== "cancelled"
                ? h("details", {}, h("summary", {}, t.showRevision(item.revision)),
                  entriesTable(ctx, older, t.revision(item.revision)))
                : null);
          }))),
      ],
    event.tournament ? tournamentSection(ctx, eventId) : null);
}

// --- delegation page ----------------------------------------------------------------

export function delegationPage(ctx, code) {
  const t = ctx.i18n.text;
  const delegation = ctx.store.delegations.get(code);
  if (!delegation) return h("section", { class: "page" }, h("p", { class: "empty" }, t.delegationNotFound));
  const standing = ctx.store.delegationStanding(code);
  const results = ctx.store.delegationResults(code);
  const rank = (row) => (row ? row.rank : "–");
  return h("section", { class: "page delegation-page", dataset: { delegation: code } },
    h("p", { class: "back" }, h("a", { href: "#/medals/all" }, `← ${t.back}`)),
    h("h2", { class: "page-title" }, ctx.i18n.name(delegation)),
    h("table", { class: "table by-group" },
      h("caption", {}, h("span", { class: "table-title" }, t.byGroup)),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, t.scope),
        h("th", { scope: "col", class: "num", title: `${t.goldLong} / ${t.silverLong} / ${t.bronzeLong}` },
          medalDot("gold"), medalDot("silver"), medalDot("bronze")),
        h("th", { scope: "col", class: "num" }, t.pointsCol),
        h("th", { scope: "col", class: "num" }, t.medalRank),
        h("th", { scope: "col", class: "num" }, t.pointsRank),
        h("th", { scope: "col", class: "num" }, t.combinedRank))),
      h("tbody", {}, ctx.store.scopes().map((scope) => {
        const { medals, points, combined } = standing[scope];
        return h("tr", { dataset: { scope } },
          h("th", { scope: "row" }, groupName(ctx, scope)),
          h("td", { class: "num", "aria-label": medals
            ? `${t.goldLong} ${medals.gold}, ${t.silverLong} ${medals.silver}, ${t.bronzeLong} ${medals.bronze}`
            : null }, medals ? `${medals.gold}-${medals.silver}-${medals.bronze}` : "–"),
          h("td", { class: "num" }, points ? ctx.i18n.number(points.points) : "–"),
          h("td", { class: "num" }, rank(medals)),
          h("td", { class: "num" }, rank(points)),
          h("td", { class: "num" }, rank(combined)));
      }))),
    h("section", { class: "delegation-results", "aria-labelledby": "delegation-results-title" },
      h("h3", { id: "delegation-results-title" }, t.delegationResults),
      h("p", { class: "help" }, t.delegationResultsHelp),
      results.length
        ? h("ul", { class: "entry-list" }, results.flatMap(({ doc, entries }) => {
          const group = ctx.store.groups.get(doc.event.group);
          const heading = () => h("p", { class: "entry-event" },
            h("a", { href: `#/event/${encodeURIComponent(doc.event.id)}` }, eventTitle(ctx, doc.event)),
            " ", group ? h("span", { class: "group-badge" }, ctx.i18n.name(group)) : null,
            " ", statusBadges(ctx, doc));
          if (!entries.length) {
            return [h("li", { dataset: { event: doc.event.id } },
              h("span", { class: "rank-badge" }, "–"),
              h("div", {}, heading(), h("p", { class: "entry-detail" }, t.cancelled)),
              h("span", {}))];
          }
          return byRank(entries).map((entry) => {
            const ok = !entry.status || entry.status === "OK";
            return h("li", { dataset: { event: doc.event.id }, class: entry.medal ? `medal-${entry.medal}` : null },
              entry.medal
                ? h("span", { class: `medal-badge ${entry.medal}`, title: t.medalName[entry.medal] }, entry.rank)
                : h("span", { class: "rank-badge" }, ok ? entry.rank ?? "–" : "–"),
              h("div", {}, heading(),
                h("p", { class: "entry-detail" },
                  h("span", {}, entry.competitor),
                  ok ? null : h("span", { class: "dnf" }, t.entryStatus[entry.status] || entry.status),
                  entry.mark ? h("span", { class: "mark" }, entry.mark) : null,
                  recordBadge(ctx, doc, entry, true))),
              h("span", { class: "entry-points", title: t.pointsEarned },
                ok ? ctx.i18n.number(entry.points) : ""));
          });
        }))
        : h("p", { class: "empty" }, t.noDelegationResults)));
}

// --- connection state ---------------------------------------------------------------

export function connectionStatus(ctx) {
  const t = ctx.i18n.text;
  const { state, lastHeard } = ctx.connection;
  const time = lastHeard ? ctx.i18n.time(lastHeard) : null;
  const label = { connecting: t.connecting, live: t.live, reconnecting: t.reconnecting, stale: t.stale }[state];
  const changed = ctx.store.latestChange();
  const detail = state === "live"
    ? (changed ? t.lastChange(ctx.i18n.time(changed)) : null)
    : (time ? t.lastUpdate(time) : null);
  return [
    h("span", { class: "dot", "aria-hidden": "true" }),
    h("span", { class: "state-label" }, label),
    detail ? h("span", { class: "state-time" }, detail) : null,
  ];
}

export function staleBanner(ctx) {
  const { state, lastHeard } = ctx.connection;
  if (state === "live") return null;
  if (state === "connecting" && !lastHeard) return null;
  const t = ctx.i18n.text;
  return h("p", { class: `stale-banner ${state}`, role: "alert" },
    lastHeard ? t.staleBanner(ctx.i18n.time(lastHeard)) : t.staleBannerNever);
}
