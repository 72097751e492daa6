// The embeds (/embed/medals?group=youth, /embed/points, /embed/combined, /embed/results):
// one live table or the latest results, small enough for an <iframe> on a media website,
// built from the board's own store, live connection and views. ?overlay=1 is the variant
// for OBS and other video mixers: transparent, no header or footer, large type.
// ?lang=en|zh. The server checks the view and the query (media_routes.py).

import { onNextFrame, replaceChildren } from "./dom.js";
import { I18n } from "./i18n.js";
import { LiveConnection } from "./live.js";
import { Store, TABLE_KINDS } from "./store.js";
import { latestResults, standingsTable } from "./views.js";

const RESULTS_SHOWN = 4;
const FULL_BOARD = { zh: "完整实时成绩 ↗", en: "Full live results ↗" };

const params = new URLSearchParams(location.search);
const view = decodeURIComponent(location.pathname.split("/").pop());
const isTable = TABLE_KINDS.includes(view);
const scope = params.get("group") || "all";
const overlay = params.get("overlay") === "1";

const store = new Store();
const i18n = new I18n(params.get("lang") || "zh");
const connection = { state: "connecting", lastHeard: 0 };
const ui = {
  title: document.getElementById("embed-title"),
  status: document.getElementById("connection"),
  main: document.getElementById("embed-main"),
  version: document.getElementById("embed-version"),
  link: document.getElementById("embed-link"),
};

/** The channels this page shows: its table (a combined table also shows the medal and
 * points columns of its group), or the results. */
function channels() {
  if (!isTable) return ["results"];
  const kinds = view === "combined" ? TABLE_KINDS : [view];
  return kinds.map((kind) => `${kind}:${scope}`);
}

const scheduleRender = onNextFrame(() => render());

function render() {
  const ctx = { store, i18n, route: { view, scope }, connection, now: Date.now(), eventLoading: false };
  const t = i18n.text;
  document.documentElement.lang = i18n.language === "zh" ? "zh-CN" : "en";
  document.body.dataset.connection = connection.state;
  ui.status.dataset.state = connection.state;
  ui.status.title = { connecting: t.connecting, live: t.live, reconnecting: t.reconnecting, stale: t.stale }[connection.state];
  if (!store.games) {
    replaceChildren(ui.main);
    return;
  }
  const games = i18n.name(store.games);
  ui.title.textContent = isTable ? games : `${games} · ${t.latestResults}`;
  document.title = `${games} · ${t.title}`;
  replaceChildren(ui.main, isTable
    ? standingsTable(ctx, view, scope, { big: true })
    : latestResults(ctx, { limit: RESULTS_SHOWN, big: true }));
  const table = isTable ? store.table(view, scope) : null;
  ui.version.textContent = table && table.data.updated_at
    ? t.version(table.data.version, i18n.time(table.data.updated_at)) : "";
  ui.link.textContent = FULL_BOARD[i18n.language];
  ui.link.href = isTable ? `/#/${view}/${scope}` : "/#/results";
}

async function loadGames() {
  for (let delay = 500; ; delay = Math.min(delay * 2, 10000)) {
    try {
      const response = await fetch("/v1/games");
      if (response.ok) return await response.json();
    } catch (error) {
      console.warn("games: not reachable yet", error);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function onFrame(frame) {
  if (frame.type === "reset") {
    if (!frame.channels || frame.channels.includes("results")) store.resetResults(frame.seq);
  } else if (frame.type === "error") {
    console.warn("live: server error", frame.error, frame.detail);
    return;
  } else if (!store.apply(frame)) {
    return;
  }
  scheduleRender();
}

async function start() {
  document.documentElement.classList.toggle("overlay", overlay);
  render();
  store.setGames(await loadGames());
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const live = new LiveConnection({
    url: `${scheme}//${location.host}/v1/live`,
    channels: channels(),
    since: () => (store.lastResultSeq === null ? 0 : store.lastResultSeq),
    onFrame,
    onState: (state) => {
      connection.state = state;
      connection.lastHeard = live.lastHeard;
      scheduleRender();
    },
  });
  window.podiumEmbed = { store, live, connection };
  live.start();
  render();
}

start();
