// What the board knows: the games definition, the current tables and the results it has
// received. Every collection is bounded so a big screen can run for days: tables are
// replaced, never appended; events are a fixed set; the latest-results list and the
// revisions kept per event are capped.

import { Units } from "./units.js";

export const TABLE_KINDS = ["medals", "points", "combined"];
export const LATEST_LIMIT = 60; // cards in the latest-results list
export const REVISIONS_PER_EVENT = 10; // full earlier revisions kept for an event page
export const HIGHLIGHT_MS = 6000; // how long a changed row stays highlighted

// Which fields of a row count as "changed" for the highlight, per table kind.
const WATCHED = {
  medals: ["gold", "silver", "bronze", "total", "rank"],
  points: ["points", "rank"],
  combined: ["score", "medal_rank", "points_rank", "rank"],
};

export class Store {
  constructor() {
    this.games = null;
    this.delegations = new Map(); // code -> {code, name, name_en}
    this.groups = new Map();
    this.events = new Map();
    this.sports = new Map();
    this.venues = new Map();
    this.tables = new Map(); // channel -> {data, seq, receivedAt, changes: Map code -> change}
    this.records = null; // the records document (GET /v1/records), from the `records` channel
    this.recordsSeq = -1;
    this.newRecords = new Map(); // recordKey -> when a record set meanwhile arrived (ms)
    this.freshRecords = []; // the records the last `records` frame showed first
    this.eventDocs = new Map(); // event id -> latest result document seen
    this.revisions = new Map(); // event id -> Map revision -> document (capped)
    this.latest = []; // [{eventId, seq, receivedAt}] newest first, one per event, capped
    this.lastResultSeq = null; // `since` for the next connection
    this.epoch = null; // the feed lastResultSeq belongs to
    this.resetting = false; // from a reset until its `subscribed`: no position meanwhile
    this.lastChangeAt = 0; // ms: when the newest result received was accepted
    this.resets = 0; // how many times the server reset the results (for the curious)
    this.units = new Units(); // the schedule and the units' pages (units.js)
    this.tournaments = new Map(); // event id -> its tournament (pools, bracket), one per event
    this.tournamentSeq = new Map();
  }

  setGames(games) {
    this.games = games;
    const index = (items, key) => new Map((items || []).map((item) => [item[key], item]));
    this.delegations = index(games.delegations, "code");
    this.groups = index(games.groups, "code");
    this.events = index(games.events, "id");
    this.sports = index(games.sports, "code");
    this.venues = index(games.venues, "id");
    this.units.setGames(games);
  }

  scopes() {
    return ["all", ...this.groups.keys()];
  }

  channels() {
    const channels = [];
    for (const kind of TABLE_KINDS) {
      for (const scope of this.scopes()) channels.push(`${kind}:${scope}`);
    }
    channels.push("results", "records", "schedule");
    // Few: the team events played as tournaments.
    for (const id of this.tournamentEvents()) channels.push(`tournament:${id}`);
    return channels;
  }

  tournamentEvents() {
    return [...this.events.values()].filter((event) => event.tournament).map((event) => event.id);
  }

  table(kind, scope) {
    return this.tables.get(`${kind}:${scope}`) || null;
  }

  /** Applies one server frame; returns true when something on screen may change. */
  apply(frame) {
    if (!frame || typeof frame !== "object") return false;
    if (frame.type === "subscribed") {
      // Everything of these channels up to `seq` has been sent: a position to resume from.
      const covers = !frame.channels || frame.channels.includes("results");
      if (covers && typeof frame.seq === "number" && frame.seq > (this.lastResultSeq ?? -1)) {
        this.lastResultSeq = frame.seq;
      }
      if (covers) this.resetting = false;
      if (typeof frame.epoch === "string" && frame.epoch) this.epoch = frame.epoch;
      return false;
    }
    if (frame.channel === "schedule") return this.units.applySchedule(frame);
    if (typeof frame.channel === "string" && frame.channel.startsWith("unit:")) {
      return this.units.applyPage(frame.data);
    }
    if (typeof frame.channel === "string" && frame.channel.startsWith("tournament:")) {
      return this.applyTournament(frame);
    }
    if (frame.channel === "results") {
      // `result`: a new revision, in seq order. `snapshot`: after a reset, every event's
      // latest result, oldest first, all carrying the seq of the state they show.
      if (frame.type === "result") return this.applyResult(frame, false);
      if (frame.type === "snapshot") return this.applyResult(frame, true);
      return false;
    }
    if (frame.channel === "records" && (frame.type === "snapshot" || frame.type === "update")) {
      return this.applyRecords(frame);
    }
    if (frame.type === "snapshot" || frame.type === "update") return this.applyTable(frame);
    return false;
  }

  /** A `tournament:<event id>` frame: the event's whole tournament, never an older one. */
  applyTournament({ seq, data }) {
    if (!data || !data.event_id || !Array.isArray(data.pools)) return false;
    const known = this.tournamentSeq.get(data.event_id);
    if (typeof seq === "number" && known !== undefined && seq < known) return false;
    this.tournaments.set(data.event_id, data);
    if (typeof seq === "number") this.tournamentSeq.set(data.event_id, seq);
    return true;
  }

  /**
   * The records document of a `records` frame. `freshRecords` are the records set at these
   * games that it shows for the first time (none on the first snapshot: those are not news).
   */
  applyRecords({ seq, data }) {
    this.freshRecords = [];
    if (!data || !Array.isArray(data.standing) || !Array.isArray(data.set_here)) return false;
    if (typeof seq === "number" && seq < this.recordsSeq) return false;
    const known = this.records ? new Set(this.records.set_here.map(recordKey)) : null;
    this.records = data;
    if (typeof seq === "number") this.recordsSeq = seq;
    if (!known) return true;
    const now = Date.now();
    for (const [key, at] of this.newRecords) {
      if (now - at > HIGHLIGHT_MS) this.newRecords.delete(key);
    }
    this.freshRecords = data.set_here.filter((record) => !known.has(recordKey(record)));
    for (const record of this.freshRecords) this.newRecords.set(recordKey(record), now);
    return true;
  }

  applyTable({ channel, seq, data }) {
    if (!data || !Array.isArray(data.rows)) return false;
    const current = this.tables.get(channel);
    // A frame older than what is shown (e.g. an update overtaken by a snapshot) is ignored.
    if (current && typeof seq === "number" && seq < current.seq) return false;
    if (current && sameRows(current.data.rows, data.rows)) {
      current.data = data;
      current.seq = seq;
      return false;
    }
    const now = Date.now();
    const changes = current ? new Map(current.changes) : new Map();
    for (const [code, change] of changes) {
      if (now - change.at > HIGHLIGHT_MS) changes.delete(code);
    }
    if (current) {
      const kind = channel.split(":")[0];
      const before = new Map(current.data.rows.map((row) => [row.delegation, row]));
      for (const row of data.rows) {
        const old = before.get(row.delegation);
        if (!old) continue;
        const fields = (WATCHED[kind] || []).filter((field) => old[field] !== row[field]);
        if (fields.length) {
          changes.set(row.delegation, { at: now, fields: new Set(fields), rankFrom: old.rank });
        }
      }
    }
    this.tables.set(channel, { data, seq, receivedAt: now, changes });
    return true;
  }

  applyResult({ seq, data }, snapshot) {
    if (typeof seq === "number" && !this.resetting) {
      const seen = this.lastResultSeq !== null && seq <= this.lastResultSeq;
      if (seen && !snapshot) return false; // a replay overlapping what we have
      if (!seen) this.lastResultSeq = seq;
    }
    const eventId = data && data.event && data.event.id;
    if (!eventId) return false;
    this.rememberRevision(eventId, data);
    const known = this.eventDocs.get(eventId);
    // Already have a newer one (fetched for an event page): this one is history only.
    if (known && (known.revision || 0) > (data.revision || 0)) return true;
    this.eventDocs.set(eventId, data);
    const now = Date.now();
    this.latest = [
      { eventId, seq, receivedAt: now },
      ...this.latest.filter((item) => item.eventId !== eventId),
    ].slice(0, LATEST_LIMIT);
    const accepted = Date.parse(data.accepted_at);
    if (accepted > this.lastChangeAt) this.lastChangeAt = accepted;
    return true;
  }

  /** An event document fetched over REST (event page): kept if newer than what we have. */
  applyEventDocument(data) {
    const eventId = data && data.event && data.event.id;
    if (!eventId || data.revision === null || data.revision === undefined) return false;
    const known = this.eventDocs.get(eventId);
    if (known && (known.revision || 0) >= data.revision) return false;
    this.rememberRevision(eventId, data);
    this.eventDocs.set(eventId, data);
    return true;
  }

  rememberRevision(eventId, data) {
    if (data.revision === null || data.revision === undefined) return;
    let revisions = this.revisions.get(eventId);
    if (!revisions) {
      revisions = new Map();
      this.revisions.set(eventId, revisions);
    }
    revisions.set(data.revision, data);
    while (revisions.size > REVISIONS_PER_EVENT) {
      revisions.delete(Math.min(...revisions.keys()));
    }
  }

  /**
   * A `reset`: the server cannot replay everything since our `since` (too old, from
   * another server's feed, or from another feed: `epoch_changed`), so what we hold may
   * have gaps. The results are dropped; the server follows with a snapshot of every
   * event's latest result, then `subscribed`. Until that, a break starts over (no `since`):
   * resuming from the reset's seq would skip the snapshots that had not come yet.
   */
  resetResults(epoch) {
    this.resets += 1;
    this.eventDocs.clear();
    this.revisions.clear();
    this.latest = [];
    this.lastResultSeq = null;
    this.resetting = true;
    if (typeof epoch === "string" && epoch) this.epoch = epoch;
  }

  /** When the data shown last changed (ms), as far as the board can tell: the newest
   * table's `updated_at`, or the last change it received, whichever is later. */
  latestChange() {
    let latest = this.lastChangeAt;
    for (const { data } of this.tables.values()) {
      const at = Date.parse(data.updated_at);
      if (at > latest) latest = at;
    }
    return latest;
  }

  /** The change highlight of a row, or null when it has faded. */
  change(channel, code, now = Date.now()) {
    const table = this.tables.get(channel);
    const change = table && table.changes.get(code);
    if (!change || now - change.at > HIGHLIGHT_MS) return null;
    return change;
  }

  /** The rows of one delegation across tables: {scope -> {medals, points, combined}}. */
  delegationStanding(code) {
    const standing = {};
    for (const scope of this.scopes()) {
      standing[scope] = {};
      for (const kind of TABLE_KINDS) {
        const table = this.table(kind, scope);
        standing[scope][kind] = table
          ? table.data.rows.find((row) => row.delegation === code) || null
          : null;
      }
    }
    return standing;
  }

  /** Every result this board holds with an entry of `code`, most recent first. */
  delegationResults(code) {
    const found = [];
    for (const doc of this.eventDocs.values()) {
      const entries = (doc.entries || []).filter((entry) => entry.delegation === code);
      if (entries.length || (doc.status === "cancelled" && this.hadEntry(doc.event.id, code))) {
        found.push({ doc, entries });
      }
    }
    return found.sort((a, b) => String(b.doc.accepted_at).localeCompare(String(a.doc.accepted_at)));
  }

  hadEntry(eventId, code) {
    const revisions = this.revisions.get(eventId);
    if (!revisions) return false;
    for (const doc of revisions.values()) {
      if ((doc.entries || []).some((entry) => entry.delegation === code)) return true;
    }
    return false;
  }
}

/** Identifies a record set at these games across updates of the records document. */
export function recordKey(record) {
  const at = record.set_at || {};
  return `${record.event_id}|${record.level}|${at.unit_id}|${at.revision}|${at.entry}`;
}

function sameRows(a, b) {
  if (a.length !== b.length) return false;
  return a.every((row, i) => JSON.stringify(row) === JSON.stringify(b[i]));
}
