// The spectators' board: wiring of the store, the live connection, routing and rendering.
//
// Routes (client-side, in the hash, so the server serves one page):
//   #/medals/<scope>  #/points/<scope>  #/combined/<scope>   scope: all | a group code
//   #/results  #/event/<event id>  #/delegation/<delegation code>  #/records
//   #/schedule[/<YYYY-MM-DD>][/venue/<id>][/delegation/<code>]  #/unit/<event id>/<phase>
// Query: ?lang=en|zh (also remembered), ?screen=big (big-screen mode, see bigscreen.js).

import { h, onNextFrame, replaceChildren } from "./dom.js";
import { I18n } from "./i18n.js";
import { LiveConnection } from "./live.js";
import { Store } from "./store.js";
import { BigScreen } from "./bigscreen.js";
import { recordAnnouncement, recordsPage } from "./records.js";
import {
  connectionStatus, delegationPage, eventPage, latestResults, staleBanner, tablesPage, viewTabs,
} from "./views.js";
import { delegationUpcoming, nowNext, schedulePage, unitPage } from "./schedule.js";

const LANGUAGE_KEY = "podium.board.language";
const params = new URLSearchParams(location.search);
const bigMode = params.get("screen") === "big";

const store = new Store();
const i18n = new I18n(params.get("lang") || readLanguage() || "zh");
const connection = { state: "connecting", lastHeard: 0, wasLive: false };
const ui = {
  app: document.getElementById("app"),
  title: document.getElementById("games-title"),
  subtitle: document.getElementById("subtitle"),
  status: document.getElementById("connection"),
  banner: document.getElementById("banner"),
  nav: document.getElementById("nav"),
  main: document.getElementById("main"),
  aside: document.getElementById("aside"),
  language: document.getElementById("language"),
  announcer: document.getElementById("announcer"),
};
let route = parseRoute(location.hash);
let live = null;
let bigScreen = null;
const fetchedEvents = new Set(); // event pages fetched over REST during this visit
let eventLoading = false;
// "now / next" moves with the clock, not only with the data (the big screen re-renders with
// every slide anyway).
const CLOCK_RENDER_MS = 30000;

function readLanguage() {
  try { return localStorage.getItem(LANGUAGE_KEY); } catch { return null; }
}

function decode(part) {
  try { return decodeURIComponent(part || ""); } catch { return ""; } // a mangled link
}

function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").map(decode);
  const [view, arg] = parts;
  if (["medals", "points", "combined"].includes(view)) return { view, scope: arg || "all" };
  if (view === "results" || view === "records") return { view, scope: "all" };
  if (view === "event" && arg) return { view, id: arg, scope: "all" };
  if (view === "delegation" && arg) return { view, id: arg, scope: "all" };
  if (view === "unit" && parts.length >= 3) return { view, id: parts.slice(1).join("/"), scope: "all" };
  if (view === "schedule") {
    const route = { view, scope: "all", day: /^\d{4}-\d{2}-\d{2}$/.test(arg || "") ? arg : null };
    for (let i = route.day ? 2 : 1; i + 1 < parts.length; i += 2) {
      if (parts[i] === "venue" || parts[i] === "delegation") route[parts[i]] = parts[i + 1];
    }
    return route;
  }
  return { view: "medals", scope: "all", home: true };
}

function context() {
  return { store, i18n, route, connection, now: Date.now(), eventLoading };
}

// --- rendering ------------------------------------------------------------------------

let statusKey = "";
let bannerKey = "";
const scheduleRender = onNextFrame(() => render());

function render() {
  const ctx = context();
  renderChrome(ctx);
  if (bigScreen) {
    bigScreen.render(ctx);
    return;
  }
  if (!store.games) {
    replaceChildren(ui.main, h("p", { class: "empty" }, i18n.text.loading));
    return;
  }
  const scope = store.groups.has(route.scope) ? route.scope : "all";
  replaceChildren(ui.nav, viewTabs({ ...ctx, route: { ...route, scope } }));
  let page;
  switch (route.view) {
    case "event": page = eventPage(ctx, route.id); break;
    case "delegation": page = delegationPage(ctx, route.id); break;
    case "results": page = latestResults(ctx); break;
    case "records": page = recordsPage(ctx); break;
    case "schedule": page = schedulePage(ctx, route); break;
    case "unit": page = unitPage(ctx, route.id); break;
    default: page = tablesPage(ctx, route.view, scope);
  }
  if (route.view === "delegation") page = [page, delegationUpcoming(ctx, route.id)];
  // The home view starts with what is on now and next.
  if (route.home) page = [nowNext(ctx), page];
  replaceChildren(ui.main, page);
  // Beside the tables on a wide screen; on a phone the "latest results" tab shows them.
  replaceChildren(ui.aside, route.view === "results" ? null : latestResults(ctx, { limit: 12 }));
  ui.app.dataset.view = route.view;
}

function renderChrome(ctx) {
  document.documentElement.lang = i18n.language === "zh" ? "zh-CN" : "en";
  document.body.dataset.connection = connection.state;
  ui.status.dataset.state = connection.state;
  const statusParts = connectionStatus(ctx);
  const key = `${i18n.language}|${statusParts.map((node) => node && node.textContent).join("|")}`;
  if (key !== statusKey) {
    statusKey = key;
    replaceChildren(ui.status, statusParts);
  }
  const banner = staleBanner(ctx);
  const nextBannerKey = `${i18n.language}|${banner ? banner.textContent : ""}`;
  if (nextBannerKey !== bannerKey) {
    bannerKey = nextBannerKey;
    replaceChildren(ui.banner, banner);
  }
  if (store.games) {
    const gamesName = i18n.name(store.games);
    if (ui.title.textContent !== gamesName) ui.title.textContent = gamesName;
    document.title = `${gamesName} · ${i18n.text.title}`;
  }
  ui.subtitle.textContent = i18n.text.title;
  ui.language.textContent = i18n.text.switchLanguage;
  ui.language.setAttribute("aria-label", i18n.text.switchLanguageLabel);
  ui.language.lang = i18n.language === "zh" ? "en" : "zh-CN";
}

/** Tells screen-reader users about a new result or record without re-reading the page. */
function announce(frame) {
  if (bigMode || connection.state !== "live") return; // a replay after reconnecting is not news
  if (frame.channel === "records") {
    const fresh = store.freshRecords.map((record) => recordAnnouncement(context(), record));
    if (fresh.length) ui.announcer.textContent = fresh.join("；");
    return;
  }
  if (frame.type !== "result" || frame.channel !== "results" || !frame.data) return;
  const event = frame.data.event || {};
  const status = i18n.text[frame.data.status] || "";
  ui.announcer.textContent = `${i18n.name(event, event.id)} ${status}`;
}

// --- data -------------------------------------------------------------------------------

async function loadGames() {
  let delay = 500;
  for (;;) {
    try {
      const response = await fetch("/v1/games", { cache: "no-store" });
      if (response.ok) return await response.json();
    } catch (error) {
      console.warn("games: not reachable yet", error);
    }
    if (connection.state === "connecting") {
      connection.state = "reconnecting";
      scheduleRender();
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 10000);
  }
}

async function loadEvent(eventId) {
  if (fetchedEvents.has(eventId) || !store.events.has(eventId)) return;
  fetchedEvents.add(eventId);
  eventLoading = !store.eventDocs.has(eventId);
  scheduleRender();
  try {
    const response = await fetch(`/v1/events/${encodeURIComponent(eventId)}`, { cache: "no-store" });
    if (response.ok) store.applyEventDocument(await response.json());
    else fetchedEvents.delete(eventId);
  } catch (error) {
    console.warn("event: not reachable", error);
    fetchedEvents.delete(eventId); // try again on the next visit
  } finally {
    eventLoading = false;
    scheduleRender();
  }
}

function onFrame(frame) {
  if (frame.type === "reset") {
    // The server cannot replay everything we missed: drop what may have gaps; the
    // current state follows as snapshots (docs/protocol.md).
    console.info("live: reset", frame.reason, frame.detail);
    if (!frame.channels || frame.channels.includes("results")) store.resetResults(frame.epoch);
    scheduleRender();
    return;
  }
  if (frame.type === "error") {
    console.warn("live: server error", frame.error, frame.detail);
    return;
  }
  if (store.apply(frame)) {
    announce(frame);
    scheduleRender();
  }
}

function onState(state) {
  connection.state = state;
  connection.lastHeard = live ? live.lastHeard : 0;
  if (state === "live" && route.view === "event") {
    fetchedEvents.delete(route.id);
    loadEvent(route.id);
  }
  // Changes while we were away reach us as the schedule's snapshot of one day only.
  if (state === "live" && connection.wasLive) loadUnits(true);
  if (state === "live") connection.wasLive = true;
  scheduleRender();
}

// --- the schedule -----------------------------------------------------------------------

async function fetchJson(path) {
  try {
    const response = await fetch(path, { cache: "no-store" });
    return response.ok ? await response.json() : null;
  } catch (error) {
    console.warn("not reachable", path, error);
    return null;
  }
}

/** What the route shows of the units, fetched over REST (`again`: even if fetched). */
async function loadUnits(again = false) {
  const { units } = store;
  const days = new Set([units.today()]);
  if (route.view === "schedule" && route.day) days.add(route.day);
  for (const day of days) {
    if (!again && units.fetchedDays.has(day)) continue;
    const body = await fetchJson(`/v1/schedule?date=${day}`);
    if (body) {
      units.merge(body.units);
      units.fetchedDays.add(day);
      scheduleRender();
    }
  }
  if (route.view === "delegation" && (again || !units.fetchedDelegations.has(route.id))) {
    const body = await fetchJson(`/v1/schedule?delegation=${encodeURIComponent(route.id)}`);
    if (body) {
      units.merge(body.units);
      units.fetchedDelegations.add(route.id);
      scheduleRender();
    }
  }
  if (route.view === "unit" && units.planned.has(route.id)) {
    const page = await fetchJson(`/v1/units/${route.id.split("/").map(encodeURIComponent).join("/")}`);
    if (page && units.applyPage(page)) scheduleRender();
  }
}

/** The live channels: every board's, and the open unit's page. */
function liveChannels() {
  const channels = store.channels();
  if (route.view === "unit" && store.units.planned.has(route.id)) channels.push(`unit:${route.id}`);
  return channels;
}

// --- start ------------------------------------------------------------------------------

function setLanguage(language) {
  i18n.setLanguage(language);
  try { localStorage.setItem(LANGUAGE_KEY, i18n.language); } catch { /* private mode */ }
  statusKey = bannerKey = "";
  render();
}

async function start() {
  document.documentElement.classList.toggle("big", bigMode);
  ui.language.addEventListener("click", () => setLanguage(i18n.language === "zh" ? "en" : "zh"));
  window.addEventListener("hashchange", () => {
    route = parseRoute(location.hash);
    if (route.view === "event") loadEvent(route.id);
    if (store.games) {
      loadUnits();
      if (live) live.setChannels(liveChannels());
    }
    render();
    if (!bigMode) ui.main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });
  render();
  store.setGames(await loadGames());
  if (bigMode) bigScreen = new BigScreen(ui, params, scheduleRender);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  live = new LiveConnection({
    url: `${scheme}//${location.host}/v1/live`,
    channels: liveChannels(),
    since: () => (store.lastResultSeq === null ? 0 : store.lastResultSeq),
    epoch: () => store.epoch,
    onFrame,
    onState,
  });
  // Exposed for tests and for the curious in the console; read-only use only.
  window.podiumBoard = { store, live, connection };
  live.start();
  if (route.view === "event") loadEvent(route.id);
  loadUnits();
  if (!bigMode) setInterval(scheduleRender, CLOCK_RENDER_MS);
  render();
}

start();
