// Big-screen mode (/?screen=big): large type, no interaction, rotates through the tables
// and the latest results by itself. Built to run for days: one rotation timer and one
// clock timer for the life of the page, the same DOM rebuilt on each change, nothing kept
// per slide shown.
//
// Options in the query: rotate=medals:all,points:all,results,now,matches:<event id>,... (the
// slides, in order; `now` is the schedule's now / next, `matches:<event id>` a tournament's
// matches of the day with their live scores and its pool tables)
// and dwell=<seconds per slide, 5-300; default 15>.

import { h, replaceChildren } from "./dom.js";
import { latestResults, resultCard, standingsTable } from "./views.js";
import { nowNext } from "./schedule.js";
import { dayMatches, poolTable } from "./tournament.js";
import { gamesDay } from "./units.js";

const DEFAULT_DWELL_S = 15;
const RESULTS_ON_SLIDE = 6;

export class BigScreen {
  constructor(ui, params, scheduleRender) {
    this.ui = ui;
    this.requested = (params.get("rotate") || "").split(",").map((s) => s.trim()).filter(Boolean);
    const dwell = Number(params.get("dwell"));
    this.dwellMs = 1000 * (Number.isFinite(dwell) && dwell >= 5 && dwell <= 300 ? dwell : DEFAULT_DWELL_S);
    this.index = 0;
    this.slideStartedAt = Date.now();
    this.scheduleRender = scheduleRender;
    this.clock = document.getElementById("clock");
    this.clock.hidden = false;
    this.clockTimer = setInterval(() => this.tick(), 1000);
    this.rotationTimer = setInterval(() => this.next(), this.dwellMs);
    this.i18n = null;
  }

  slides(store) {
    const valid = (slide) => slide === "results" || slide === "now" || store.tables.has(slide)
      || /^(medals|points|combined):/.test(slide)
      || (slide.startsWith("matches:") && store.tournaments.has(slide.slice("matches:".length)));
    const requested = this.requested.filter(valid);
    if (requested.length) return requested;
    const groups = [...store.groups.keys()];
    // Each tournament playing today gets a slide after "now".
    const today = store.units.today();
    const playing = [...store.tournaments.values()]
      .filter((doc) => doc.matches.some((match) => gamesDay(match.starts_at) === today))
      .map((doc) => `matches:${doc.event_id}`);
    const slides = ["now", ...playing, "medals:all", "points:all", "results"];
    groups.forEach((group, i) => {
      slides.push(`combined:${group}`);
      if (i % 2 === 1 && i < groups.length - 1) slides.push("results");
    });
    return slides;
  }

  next() {
    this.index += 1;
    this.slideStartedAt = Date.now();
    this.scheduleRender();
  }

  tick() {
    if (this.i18n) this.clock.textContent = this.i18n.time(new Date());
  }

  render(ctx) {
    this.i18n = ctx.i18n;
    this.tick();
    const { store } = ctx;
    replaceChildren(this.ui.nav);
    if (!store.games) {
      replaceChildren(this.ui.main, h("p", { class: "empty" }, ctx.i18n.text.loading));
      return;
    }
    const slides = this.slides(store);
    const slide = slides[this.index % slides.length];
    this.ui.app.dataset.view = "big";
    this.ui.app.dataset.slide = slide;
    const elapsed = Math.min(this.dwellMs, Date.now() - this.slideStartedAt);
    let content;
    if (slide === "results") content = latestResults(ctx, { limit: RESULTS_ON_SLIDE, big: true });
    else if (slide === "now") content = nowNext(ctx, { big: true });
    else if (slide.startsWith("matches:")) content = this.matches(ctx, slide.slice("matches:".length));
    else content = standingsTable(ctx, ...slide.split(":"), { big: true });
    replaceChildren(this.ui.main,
      h("div", { class: "slide", dataset: { slide } }, content),
      h("div", { class: "rotation", "aria-hidden": "true" },
        h("div", { class: "progress", style: {
          "animation-duration": `${this.dwellMs}ms`, "animation-delay": `-${elapsed}ms`,
        } }),
        h("ol", { class: "slide-dots" }, slides.map((_, i) => h("li", {
          class: i === this.index % slides.length ? "current" : null,
        })))));
    replaceChildren(this.ui.aside, this.ticker(ctx, slide));
  }

  /** A tournament's matches of the day, then its pool tables. */
  matches(ctx, eventId) {
    const doc = ctx.store.tournaments.get(eventId);
    const event = ctx.store.events.get(eventId);
    return h("section", { class: "tournament big" },
      h("h2", { class: "slide-title" }, ctx.i18n.name(event, eventId)),
      dayMatches(ctx, doc, ctx.store.units.today(ctx.now), { big: true }),
      h("div", { class: "pools" }, doc.pools.map((pool) => poolTable(ctx, pool))));
  }

  /** The newest result along the bottom, on every slide but the results one. */
  ticker(ctx, slide) {
    if (slide === "results") return null;
    const newest = ctx.store.latest[0];
    const doc = newest && ctx.store.eventDocs.get(newest.eventId);
    if (!doc) return null;
    return h("div", { class: "ticker" },
      h("span", { class: "ticker-label" }, ctx.i18n.text.latestResults),
      resultCard(ctx, doc, { big: true }));
  }
}
