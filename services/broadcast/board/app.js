// The spectators' board: wiring of the store, the live connection, routing and rendering.
//
// Routes (client-side, in the hash, so the server serves one page):
//   #/medals/<scope>  #/points/<scope>  #/combined/<scope>   scope: all | a group code
//   #/results  #/event/<event id>  #/delegation/<delegation code>  #/records
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

const LANGUAGE_KEY = "podium.board.language";
const params = new URLSearchParams(location.search);
const bigMode = params.get("screen") === "big";

const store = new Store();
const i18n = new I18n(params.get("lang") || readLanguage() || "zh");
const connection = { state: "connecting", lastHeard: 0 };
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

function readLanguage() {
  try { return localStorage.getItem(LANGUAGE_KEY); } catch { return null; }
}

function decode(part) {
  try { return decodeURIComponent(part || ""); } catch { return ""; } // a mangled link
}

function parseRoute(hash) {
  const [view, arg] = hash.replace(/^#\/?/, "").split("/").map(decode);
  if (["medals", "points", "combined"].includes(view)) return { view, scope: arg || "all" };
  if (view === "results" || view === "records") return { view, scope: "all" };
  if (view === "event" && arg) return { view, id: arg, scope: "all" };
  if (view === "delegation" && arg) return { view, id: arg, scope: "all" };
  return { view: "medals", scope: "all" };
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
    default: page = tablesPage(ctx, route.view, scope);
  }
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
  scheduleRender();
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
    channels: store.channels(),
    since: () => (store.lastResultSeq === null ? 0 : store.lastResultSeq),
    epoch: () => store.epoch,
    onFrame,
    onState,
  });
  // Exposed for tests and for the curious in the console; read-only use only.
  window.podiumBoard = { store, live, connection };
  live.start();
  if (route.view === "event") loadEvent(route.id);
  render();
}

start();
