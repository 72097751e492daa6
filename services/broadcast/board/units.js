// What the board knows of the units (赛次): their schedule items (GET /v1/schedule, the
// `schedule` channel) and the pages of the units a spectator opens (GET /v1/units/{id}, the
// `unit:<id>` channel). Bounded like the rest of the store: one item per unit of the games,
// and a few unit pages.

export const UNIT_PAGES_KEPT = 20;
// The statuses of a unit still to start (docs/schedule.md); `late` ones are past their start.
const PENDING = new Set(["scheduled", "start_list", "delayed"]);
const UNDECIDED = new Set([...PENDING, "running", "postponed"]);

const DAY_FORMAT = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
});

/** The games' calendar day (+08:00) of an instant, as YYYY-MM-DD. */
export function gamesDay(value) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? "" : DAY_FORMAT.format(date);
}

export class Units {
  constructor() {
    this.items = new Map(); // unit id -> schedule item, the newest version seen
    this.pages = new Map(); // unit id -> GET /v1/units/{id} (insertion order: oldest first)
    this.days = []; // the games' days, from GET /v1/games
    this.fetchedDays = new Set(); // days whose whole schedule was fetched or snapshotted
    this.fetchedDelegations = new Set();
    this.planned = new Map(); // unit id -> {unit, event} from the games file
  }

  setGames(games) {
    const days = new Set();
    for (const event of games.events || []) {
      for (const unit of event.units || []) {
        days.add(gamesDay(unit.starts_at));
        this.planned.set(unit.unit_id, { unit, event });
      }
    }
    this.days = [...days].sort();
  }

  /** Today in the games' calendar, within their days (the first before they start, the
   * last after they end), as the server's `schedule` channel does. */
  today(now = Date.now()) {
    if (!this.days.length) return gamesDay(now);
    const day = gamesDay(now);
    if (day < this.days[0]) return this.days[0];
    if (day > this.days[this.days.length - 1]) return this.days[this.days.length - 1];
    return day;
  }

  /** Merges items, never going back to an older version of a unit; true if any changed. */
  merge(items) {
    let changed = false;
    for (const item of items || []) {
      const known = this.items.get(item.unit_id);
      if (known && known.version > item.version) continue;
      if (known && JSON.stringify(known) === JSON.stringify(item)) continue;
      this.items.set(item.unit_id, item);
      const page = this.pages.get(item.unit_id);
      if (page && page.unit.version <= item.version) page.unit = item;
      changed = true;
    }
    return changed;
  }

  /** A `schedule` frame: the snapshot of a day, or an update of some units. */
  applySchedule(frame) {
    const data = frame.data || {};
    if (frame.type === "snapshot" && data.date) this.fetchedDays.add(data.date);
    return this.merge(data.units) || frame.type === "snapshot";
  }

  /** A `unit:<id>` frame, or a page fetched over REST. */
  applyPage(page) {
    if (!page || !page.unit) return false;
    const id = page.unit.unit_id;
    this.pages.delete(id);
    this.pages.set(id, page);
    while (this.pages.size > UNIT_PAGES_KEPT) this.pages.delete(this.pages.keys().next().value);
    this.merge([page.unit]);
    return true;
  }

  /** The day's units in start order (by current start, then planned start, then id). */
  onDay(day) {
    return this.sorted([...this.items.values()].filter((item) => gamesDay(item.starts_at) === day));
  }

  sorted(items) {
    const key = (item) => [Date.parse(item.starts_at), Date.parse(item.planned_at), item.unit_id];
    return items.sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
    });
  }

  /** The units a delegation competes in (or may: entered in the event) that have no result
   * yet: running, or still to start (postponed ones too), in start order. */
  upcoming(code) {
    return this.sorted([...this.items.values()].filter((item) => (item.delegations || []).includes(code)
      && (UNDECIDED.has(item.status))));
  }

  /** The board's "now / next" at `now`: running units, those past their start with nothing
   * happening yet (late), then the next `count` to start; postponed units and units with a
   * result are on none (shared/domain/schedule.py now_and_next). */
  nowAndNext(day, now = Date.now(), count = 3) {
    const items = this.onDay(day);
    return {
      running: items.filter((item) => item.status === "running"),
      late: items.filter((item) => PENDING.has(item.status) && Date.parse(item.starts_at) < now),
      next: items.filter((item) => PENDING.has(item.status) && Date.parse(item.starts_at) >= now)
        .slice(0, count),
    };
  }
}
