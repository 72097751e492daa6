// The schedule (赛程) on the board: the day's units by venue or delegation, "now / next", a
// unit's page with its start list and result, a delegation's upcoming units. Delayed and
// postponed units are marked in every view with their new time and the officials' note.
// Pure functions from what the store holds to DOM nodes, like views.js.

import { h } from "./dom.js";
import { gamesDay } from "./units.js";

const TEXT = {
  zh: {
    schedule: "赛程",
    nowNext: "正在进行 · 即将开始",
    now: "正在进行",
    late: "应已开始",
    next: "即将开始",
    nothingNow: "此刻没有进行中的比赛。",
    nothingNext: "今天没有更多比赛。",
    allVenues: "全部场馆",
    allDelegations: "全部代表团",
    venue: "场馆",
    delegationFilter: "代表团",
    noUnits: "这一天没有比赛。",
    status: {
      scheduled: "按计划", start_list: "秩序册已发布", running: "进行中", delayed: "推迟",
      postponed: "延期", unofficial: "待确认", official: "成绩正式", cancelled: "成绩已取消",
    },
    delayedTo: (time, planned) => `推迟至 ${time}（原定 ${planned}）`,
    postponedTo: (time, planned) => `延期至 ${time}（原定 ${planned}）`,
    postponed: (planned) => `时间待定（原定 ${planned}）`,
    unitNotFound: "未找到该赛次。",
    startList: "秩序册",
    noStartList: "秩序册尚未发布。",
    lane: "道次",
    order: "序",
    bib: "号码",
    result: "成绩",
    noResult: "尚无成绩。",
    qualified: { Q: "Q 名次晋级", q: "q 成绩晋级" },
    eventPage: "项目成绩与积分",
    upcoming: "本代表团待赛",
    upcomingHelp: "本代表团运动员报名参加、尚未决出成绩的赛次。",
    noUpcoming: "本代表团暂无待赛的赛次。",
    back: "返回赛程",
  },
  en: {
    schedule: "Schedule",
    nowNext: "Now · Next",
    now: "Now",
    late: "Due to start",
    next: "Next",
    nothingNow: "Nothing is under way right now.",
    nothingNext: "Nothing more today.",
    allVenues: "All venues",
    allDelegations: "All delegations",
    venue: "Venue",
    delegationFilter: "Delegation",
    noUnits: "No competition this day.",
    status: {
      scheduled: "Scheduled", start_list: "Start list out", running: "Running",
      delayed: "Delayed", postponed: "Postponed", unofficial: "Awaiting confirmation",
      official: "Official", cancelled: "Result withdrawn",
    },
    delayedTo: (time, planned) => `delayed to ${time} (planned ${planned})`,
    postponedTo: (time, planned) => `postponed to ${time} (planned ${planned})`,
    postponed: (planned) => `new time to come (planned ${planned})`,
    unitNotFound: "No such unit.",
    startList: "Start list",
    noStartList: "The start list is not out yet.",
    lane: "Lane",
    order: "#",
    bib: "Bib",
    result: "Result",
    noResult: "No result yet.",
    qualified: { Q: "Q by place", q: "q by time" },
    eventPage: "The event's result and points",
    upcoming: "Upcoming for this delegation",
    upcomingHelp: "The units its athletes are entered in that have no result yet.",
    noUpcoming: "No upcoming unit for this delegation.",
    back: "Back to the schedule",
  },
};

const FORMATS = new Map();

function format(ctx, options) {
  const key = `${ctx.i18n.language}|${JSON.stringify(options)}`;
  if (!FORMATS.has(key)) {
    FORMATS.set(key, new Intl.DateTimeFormat(ctx.i18n.language === "zh" ? "zh-CN" : "en-GB",
      { timeZone: "Asia/Shanghai", hour12: false, ...options }));
  }
  return FORMATS.get(key);
}

export function scheduleText(ctx) {
  return TEXT[ctx.i18n.language] || TEXT.zh;
}

function hhmm(ctx, iso) {
  return format(ctx, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

function dayLabel(ctx, day) {
  return format(ctx, { month: "short", day: "numeric", weekday: "short" })
    .format(new Date(`${day}T12:00:00+08:00`));
}

/** A time on another day than planned shows its date too. */
function whenText(ctx, iso, planned) {
  if (gamesDay(iso) === gamesDay(planned)) return hhmm(ctx, iso);
  return format(ctx, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })
    .format(new Date(iso));
}

function unitHref(unitId) {
  return `#/unit/${unitId.split("/").map(encodeURIComponent).join("/")}`;
}

/** "男子100米 · 第1组预赛" (the phase only where the event has several units). */
export function unitTitle(ctx, item) {
  const event = ctx.store.events.get(item.event_id) || {};
  const name = ctx.i18n.name(event, item.event_id);
  const phase = ctx.i18n.language === "en" ? item.phase_name_en : item.phase_name;
  return (event.units || []).length > 1 ? `${name} · ${phase}` : name;
}

/** The unit's status, and for a delay or postponement the new time and the note. */
export function unitStatus(ctx, item) {
  const s = scheduleText(ctx);
  const moved = item.starts_at !== item.planned_at;
  let detail = null;
  if (item.status === "delayed") {
    detail = s.delayedTo(whenText(ctx, item.starts_at, item.planned_at), hhmm(ctx, item.planned_at));
  } else if (item.status === "postponed") {
    detail = moved
      ? s.postponedTo(whenText(ctx, item.starts_at, item.planned_at), hhmm(ctx, item.planned_at))
      : s.postponed(hhmm(ctx, item.planned_at));
  }
  return h("span", { class: `unit-status status-${item.status}` },
    h("span", { class: "unit-badge" }, s.status[item.status] || item.status),
    detail ? h("span", { class: "unit-moved" }, detail) : null,
    item.status_note ? h("span", { class: "unit-note" }, item.status_note) : null);
}

function timeCell(ctx, item) {
  const moved = item.starts_at !== item.planned_at;
  return h("span", { class: "unit-time" },
    moved ? h("del", { class: "planned" }, hhmm(ctx, item.planned_at)) : null,
    h("time", { datetime: item.starts_at, class: moved ? "moved" : null },
      whenText(ctx, item.starts_at, item.planned_at)));
}

export function unitRow(ctx, item, { big = false } = {}) {
  const venue = ctx.store.venues.get(item.venue);
  const title = unitTitle(ctx, item);
  return h("li", { class: `unit-row status-${item.status}`, dataset: { unit: item.unit_id } },
    timeCell(ctx, item),
    h("span", { class: "unit-what" },
      h("span", { class: "unit-title" }, big ? title : h("a", { href: unitHref(item.unit_id) }, title)),
      venue ? h("span", { class: "unit-venue" }, ctx.i18n.name(venue)) : null),
    unitStatus(ctx, item));
}

function unitList(ctx, items, empty, options) {
  return items.length
    ? h("ol", { class: "unit-list" }, items.map((item) => unitRow(ctx, item, options)))
    : h("p", { class: "empty" }, empty);
}

// --- the schedule view ------------------------------------------------------------------

export function scheduleHref({ day, venue, delegation }) {
  let href = `#/schedule/${day}`;
  if (venue) href += `/venue/${encodeURIComponent(venue)}`;
  if (delegation) href += `/delegation/${encodeURIComponent(delegation)}`;
  return href;
}

function filterSelect(ctx, label, id, all, items, selected, href) {
  return h("label", { class: "filter", for: id }, h("span", {}, label),
    h("select", {
      id,
      onchange: (event) => { location.hash = href(event.target.value || null); },
    },
    h("option", { value: "" }, all),
    items.map((item) => h("option", { value: item.value, selected: item.value === selected },
      item.name))));
}

export function schedulePage(ctx, route) {
  const s = scheduleText(ctx);
  const { units } = ctx.store;
  const day = route.day || units.today(ctx.now);
  const { venue, delegation } = route;
  const days = h("nav", { class: "group-tabs day-tabs", "aria-label": s.schedule },
    h("ul", {}, units.days.map((d) => h("li", {},
      h("a", { href: scheduleHref({ day: d, venue, delegation }), class: "tab",
        "aria-current": d === day ? "page" : null }, dayLabel(ctx, d))))));
  const filters = h("div", { class: "filters" },
    filterSelect(ctx, s.venue, "venue-filter", s.allVenues,
      [...ctx.store.venues.values()].map((v) => ({ value: v.id, name: ctx.i18n.name(v) })),
      venue, (value) => scheduleHref({ day, venue: value, delegation })),
    filterSelect(ctx, s.delegationFilter, "delegation-filter", s.allDelegations,
      [...ctx.store.delegations.values()].map((d) => ({ value: d.code, name: ctx.i18n.name(d) })),
      delegation, (value) => scheduleHref({ day, venue, delegation: value })));
  let items = units.onDay(day);
  if (venue) items = items.filter((item) => item.venue === venue);
  if (delegation) items = items.filter((item) => (item.delegations || []).includes(delegation));
  return h("section", { class: "page schedule-page", dataset: { day } },
    h("h2", { class: "page-title" }, `${s.schedule} · ${dayLabel(ctx, day)}`),
    days, filters,
    units.fetchedDays.has(day)
      ? unitList(ctx, items, s.noUnits)
      : h("p", { class: "empty" }, ctx.i18n.text.loading));
}

// --- now / next -------------------------------------------------------------------------

export function nowNext(ctx, { big = false } = {}) {
  const s = scheduleText(ctx);
  const { units } = ctx.store;
  const day = units.today(ctx.now);
  if (!units.fetchedDays.has(day)) return null;
  const { running, late, next } = units.nowAndNext(day, ctx.now);
  const options = { big };
  return h("section", { class: "now-next", "aria-labelledby": big ? null : "now-next-title" },
    h("h2", { id: big ? null : "now-next-title", class: "section-title" },
      big ? s.nowNext : h("a", { href: scheduleHref({ day }) }, s.nowNext)),
    h("div", { class: "now-next-columns" },
      h("div", { class: "now" },
        h("h3", {}, s.now),
        unitList(ctx, running, s.nothingNow, options),
        late.length ? [h("h3", { class: "late-title" }, s.late), unitList(ctx, late, "", options)] : null),
      h("div", { class: "next" },
        h("h3", {}, s.next),
        unitList(ctx, next, s.nothingNext, options))));
}

// --- a unit's page ----------------------------------------------------------------------

function startListTable(ctx, page) {
  const s = scheduleText(ctx);
  const t = ctx.i18n.text;
  const lanes = page.start_list.some((row) => row.lane !== null);
  return h("table", { class: "table entries start-list" },
    h("caption", {}, s.startList),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col", class: "rank" }, lanes ? s.lane : s.order),
      h("th", { scope: "col" }, s.bib),
      h("th", { scope: "col" }, t.competitor),
      h("th", { scope: "col" }, t.delegation))),
    h("tbody", {}, page.start_list.map((row) => h("tr", { dataset: { bib: row.bib } },
      h("td", { class: "rank" }, lanes ? row.lane : row.order),
      h("td", { class: "bib" }, row.bib),
      h("td", {}, row.competitor,
        row.members && row.members.length ? h("span", { class: "members" }, row.members.join("、")) : null),
      h("td", {}, ctx.i18n.name(ctx.store.delegations.get(row.delegation), row.delegation_name))))));
}

function byRank(entries) {
  const ranked = (entry) => (entry.rank === null || entry.rank === undefined ? Infinity : entry.rank);
  return entries.map((entry, i) => [entry, i]).sort(([a, i], [b, j]) => ranked(a) - ranked(b) || i - j)
    .map(([entry]) => entry);
}

function resultTable(ctx, result) {
  const s = scheduleText(ctx);
  const t = ctx.i18n.text;
  return h("table", { class: "table entries unit-result" },
    h("caption", {}, s.result, " ", h("span", { class: `badge status-${result.status}` },
      t[result.status] || result.status)),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col", class: "rank" }, t.rank),
      h("th", { scope: "col" }, s.bib),
      h("th", { scope: "col" }, t.competitor),
      h("th", { scope: "col" }, t.delegation),
      h("th", { scope: "col", class: "mark" }, t.mark),
      h("th", { scope: "col" }, ""))),
    h("tbody", {}, byRank(result.entries || []).map((entry) => h("tr", {
      dataset: { bib: entry.bib || "" },
      class: entry.medal ? `medal-${entry.medal}` : null,
    },
    entry.status && entry.status !== "OK"
      ? h("td", { class: "rank dnf" }, t.entryStatus[entry.status] || entry.status)
      : h("td", { class: "rank" }, entry.rank ?? "–"),
    h("td", { class: "bib" }, entry.bib || ""),
    h("td", {}, entry.competitor),
    h("td", {}, ctx.i18n.name(ctx.store.delegations.get(entry.delegation), entry.delegation_name)),
    h("td", { class: "mark" }, entry.mark || ""),
    h("td", {}, entry.qualified
      ? h("span", { class: `qualified q-${entry.qualified}`, title: s.qualified[entry.qualified] },
        entry.qualified)
      : entry.medal ? h("span", { class: `medal-dot ${entry.medal}`, title: t.medalName[entry.medal] }) : "")))));
}

export function unitPage(ctx, unitId) {
  const s = scheduleText(ctx);
  const page = ctx.store.units.pages.get(unitId);
  const known = ctx.store.units.planned.get(unitId);
  if (!known) return h("section", { class: "page" }, h("p", { class: "empty" }, s.unitNotFound));
  if (!page) return h("section", { class: "page" }, h("p", { class: "empty" }, ctx.i18n.text.loading));
  const item = ctx.store.units.items.get(unitId) || page.unit;
  const venue = ctx.store.venues.get(item.venue);
  const day = gamesDay(item.starts_at);
  return h("section", { class: `page unit-page status-${item.status}`, dataset: { unit: unitId } },
    h("p", { class: "back" }, h("a", { href: scheduleHref({ day }) }, `← ${s.back}`)),
    h("h2", { class: "page-title" }, unitTitle(ctx, item)),
    h("p", { class: "page-meta" }, timeCell(ctx, item),
      venue ? h("span", {}, ctx.i18n.name(venue)) : null, unitStatus(ctx, item)),
    page.start_list.length ? startListTable(ctx, page) : h("p", { class: "empty" }, s.noStartList),
    page.result ? resultTable(ctx, page.result) : h("p", { class: "empty" }, s.noResult),
    item.phase === "final"
      ? h("p", {}, h("a", { href: `#/event/${encodeURIComponent(item.event_id)}` }, s.eventPage)) : null);
}

// --- a delegation's upcoming units -------------------------------------------------------

export function delegationUpcoming(ctx, code) {
  const s = scheduleText(ctx);
  if (!ctx.store.delegations.has(code)) return null;
  const items = ctx.store.units.upcoming(code).slice(0, 12);
  return h("section", { class: "delegation-upcoming", "aria-labelledby": "upcoming-title" },
    h("h3", { id: "upcoming-title" }, s.upcoming),
    h("p", { class: "help" }, s.upcomingHelp),
    ctx.store.units.fetchedDelegations.has(code)
      ? unitList(ctx, items, s.noUpcoming)
      : h("p", { class: "empty" }, ctx.i18n.text.loading));
}
