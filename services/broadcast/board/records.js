// Records (纪录): the badges on result entries and the records page (#/records), from the
// `records` channel (the shape of GET /v1/records, docs/records.md) and the entries' `record`,
// which scoring finds from the marks. A correction that removes a record removes its badge.

import { h } from "./dom.js";
import { HIGHLIGHT_MS, recordKey } from "./store.js";

const RANKING_PHASE = "final"; // the unit whose result an event document shows

function eventName(ctx, eventId) {
  return ctx.i18n.name(ctx.store.events.get(eventId), eventId);
}

function delegationName(ctx, code) {
  return code ? ctx.i18n.name(ctx.store.delegations.get(code), code) : "";
}

/** The record an entry of an event document set, as the records document lists it. */
function setBy(ctx, doc, index) {
  const records = ctx.store.records;
  if (!records || !doc.event) return null;
  const unit = `${doc.event.id}/${RANKING_PHASE}`;
  return records.set_here.find((record) => record.set_at && record.set_at.unit_id === unit
    && record.set_at.revision === doc.revision && record.set_at.entry === index) || null;
}

/**
 * The badge of an entry that set a record: 破赛会纪录 / 平赛会纪录 (broken or equalled). The
 * level is the entry's own `record`; the records document tells an equalled one apart.
 */
export function recordBadge(ctx, doc, entry, short = false) {
  if (!entry.record) return null;
  const t = ctx.i18n.text;
  const set = setBy(ctx, doc, (doc.entries || []).indexOf(entry));
  const kind = set && set.kind === "equalled" ? "equalled" : "broken";
  const long = t.recordSet[kind](t.recordLevel[entry.record]);
  return h("span", { class: `record record-${entry.record} record-${kind}`, title: long,
    dataset: { record: entry.record, kind } },
  short ? t.recordBadge[kind](entry.record) : long);
}

function previousText(ctx, previous) {
  const t = ctx.i18n.text;
  if (!previous) return t.noPreviousRecord;
  const who = [previous.holder, delegationName(ctx, previous.delegation)].filter(Boolean).join(" · ");
  return t.previousRecord(previous.mark, who, previous.year);
}

function setHereList(ctx) {
  const t = ctx.i18n.text;
  const set = [...ctx.store.records.set_here].reverse(); // newest first
  if (!set.length) return h("p", { class: "empty" }, t.noRecordsSet);
  const now = ctx.now;
  return h("ul", { class: "record-list" }, set.map((record) => {
    const seen = ctx.store.newRecords.get(recordKey(record));
    const fresh = seen !== undefined && now - seen < HIGHLIGHT_MS;
    return h("li", {
      class: fresh ? "new-record" : null,
      // Rebuilt on every render: the highlight resumes where it was.
      style: fresh ? { "animation-delay": `-${now - seen}ms`, "--highlight-ms": `${HIGHLIGHT_MS}ms` } : null,
      dataset: { event: record.event_id, level: record.level, kind: record.kind },
    },
    h("p", { class: "record-event" },
      h("a", { href: `#/event/${encodeURIComponent(record.event_id)}` }, eventName(ctx, record.event_id)),
      " ", h("span", { class: `record record-${record.level} record-${record.kind}` },
        t.recordSet[record.kind](t.recordLevel[record.level]))),
    h("p", { class: "record-detail" },
      h("span", { class: "mark" }, record.mark),
      h("span", {}, record.holder),
      h("span", {}, delegationName(ctx, record.delegation)),
      record.set_at ? h("time", { datetime: record.set_at.accepted_at }, ctx.i18n.dateTime(record.set_at.accepted_at)) : null),
    h("p", { class: "record-previous" }, previousText(ctx, record.previous)));
  }));
}

function standingTable(ctx) {
  const t = ctx.i18n.text;
  return h("table", { class: "table standing-records" },
    h("caption", {}, h("span", { class: "table-title" }, t.standingRecords)),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, t.event),
      h("th", { scope: "col" }, t.recordLevelCol),
      h("th", { scope: "col", class: "mark" }, t.mark),
      h("th", { scope: "col" }, t.holder),
      h("th", { scope: "col", class: "wide-only" }, t.delegation),
      h("th", { scope: "col", class: "num" }, t.year))),
    h("tbody", {}, ctx.store.records.standing.map((record) => h("tr", {
      class: record.set_at ? "set-here" : null,
      dataset: { event: record.event_id, level: record.level },
    },
    h("td", {}, h("a", { href: `#/event/${encodeURIComponent(record.event_id)}` }, eventName(ctx, record.event_id))),
    h("td", {}, t.recordLevel[record.level]),
    h("td", { class: "mark" }, record.mark,
      record.set_at ? h("span", { class: "record record-set-here" }, t.setHere) : null),
    h("td", {}, record.holder),
    h("td", { class: "wide-only" }, delegationName(ctx, record.delegation)),
    h("td", { class: "num" }, record.year)))));
}

/** #/records: the records set at these games, newest first, then every standing record. */
export function recordsPage(ctx) {
  const t = ctx.i18n.text;
  if (!ctx.store.records) {
    return h("section", { class: "page records-page", "aria-busy": "true" },
      h("h2", { class: "page-title" }, t.records), h("p", { class: "empty" }, t.loading));
  }
  return h("section", { class: "page records-page" },
    h("h2", { class: "page-title" }, t.records),
    h("section", { class: "records-set", "aria-labelledby": "records-set-title" },
      h("h3", { id: "records-set-title" }, t.recordsSetHere),
      setHereList(ctx)),
    standingTable(ctx),
    h("p", { class: "help" }, t.recordsHelp));
}

/** What the page's live region says of a record new on the board. */
export function recordAnnouncement(ctx, record) {
  const t = ctx.i18n.text;
  return `${eventName(ctx, record.event_id)} ${record.holder} ${record.mark} `
    + t.recordSet[record.kind](t.recordLevel[record.level]);
}
