// The results desk (成绩处): the games' progress by day and venue, a unit's audit trail with
// its confirmation and review, and the tokens. Signed in with an admin token, kept in this
// browser only. Views by address: #progress, #unit=<unit_id>, #tokens.
"use strict";

(() => {
  const STORE = { token: "podium.desk.token", lang: "podium.desk.lang" };
  const REFRESH_MS = 10000;
  const STATES = ["review", "awaiting", "late", "running", "done", "scheduled"];

  const TEXTS = {
    zh: {
      title: "成绩处控制台", games: "焦作市第十四届运动会", otherLanguage: "English",
      tokenLabel: "成绩处令牌", signIn: "登录", signOut: "退出",
      tokenHelp: "请输入成绩处（admin）令牌。令牌只保存在本机浏览器中，用完请点“退出”。",
      networkDown: "无法连接服务器，请检查网络后重试。",
      tabProgress: "赛程进度", tabTokens: "令牌管理", dayLabel: "比赛日", allDays: "全部日期",
      updated: "更新于 {time}", back: "← 返回进度",
      state_review: "申诉中", state_awaiting: "待确认", state_late: "逾时未报",
      state_running: "进行中", state_done: "已完成", state_scheduled: "未开始",
      status_provisional: "临时", status_official: "正式", status_cancelled: "已取消",
      status_unofficial: "待确认",
      time: "时间", event: "项目", stateCol: "状态", revisionCol: "版本", enteredBy: "录入",
      revision: "第 {n} 版", noResult: "尚无成绩",
      unitInfo: "{time} · {venue} · {state}",
      current: "当前：第 {n} 版（{status}），{who} 录入于 {time}",
      reviewNow: "申诉复核中：{note}（{who}，{time}）",
      rank: "名次", delegation: "代表团", competitor: "运动员 / 队名", entryStatus: "状态",
      mark: "成绩", record: "纪录",
      confirm: "确认成绩", reviewLabel: "申诉复核（理由，媒体可见）", review: "提出复核",
      confirmed: "已确认：第 {n} 版，计入奖牌榜和总分榜", reviewed: "已提出复核：第 {n} 版",
      historyTitle: "修改记录", correction: "更正", by: "{who}，{time}",
      waits: "待确认（须另一人确认）",
      check_confirm: "确认：{who}，{time}", check_review: "申诉复核：{note}（{who}，{time}）",
      newToken: "新建令牌", role: "角色", holderName: "持有人姓名（修改记录中显示）",
      venuesLabel: "场馆（不选：全部场馆）", expiresLabel: "有效期至（含当天；不填：长期有效）",
      create: "生成令牌",
      role_recorder: "记录员（录入，正式成绩待确认）", role_referee: "裁判长（录入并确认）",
      role_official: "裁判（v1，录入）", role_admin: "成绩处", role_media: "媒体",
      short_recorder: "记录员", short_referee: "裁判长", short_official: "裁判",
      short_admin: "成绩处", short_media: "媒体",
      createdTitle: "#{id} {name} 的令牌已生成",
      createdHelp: "令牌只显示这一次。请让持有人用手机扫描二维码：录入页会自动登录。",
      secret: "令牌", entryLink: "录入页（已登录）", handedOver: "已交给持有人，关闭",
      tokenList: "全部令牌", name: "姓名", venues: "场馆", state: "状态", createdAt: "创建",
      expires: "有效期至", entered: "录入数", allVenues: "全部",
      tokenState_active: "有效", tokenState_revoked: "已撤销", tokenState_expired: "已过期",
      createdBy: "{time}（{who}）", revokedBy: "已于 {time} 撤销（{who}）",
      revoke: "撤销", revokeSure: "确认撤销",
      holder: "{name}",
    },
    en: {
      title: "Results desk", games: "14th Jiaozuo City Games", otherLanguage: "中文",
      tokenLabel: "Results desk token", signIn: "Sign in", signOut: "Sign out",
      tokenHelp: "Enter an admin token. It is kept in this browser only; sign out when you are"
        + " done.",
      networkDown: "Cannot reach the server; check the network and try again.",
      tabProgress: "Progress", tabTokens: "Tokens", dayLabel: "Day", allDays: "all days",
      updated: "updated {time}", back: "← back to the progress",
      state_review: "under review", state_awaiting: "awaiting confirmation",
      state_late: "late", state_running: "running", state_done: "done",
      state_scheduled: "scheduled",
      status_provisional: "provisional", status_official: "official",
      status_cancelled: "cancelled", status_unofficial: "awaiting confirmation",
      time: "Time", event: "Event", stateCol: "State", revisionCol: "Revision",
      enteredBy: "Entered by", revision: "revision {n}", noResult: "no result yet",
      unitInfo: "{time} · {venue} · {state}",
      current: "Current: revision {n} ({status}), entered by {who} at {time}",
      reviewNow: "Under review: {note} ({who}, {time})",
      rank: "Rank", delegation: "Delegation", competitor: "Competitor / team",
      entryStatus: "Status", mark: "Mark", record: "Record",
      confirm: "Confirm the result", reviewLabel: "Review (the reason; media see it)",
      review: "Put under review",
      confirmed: "Confirmed: revision {n} counts in the tables",
      reviewed: "Under review: revision {n}",
      historyTitle: "History", correction: "correction", by: "{who}, {time}",
      waits: "awaits confirmation (by someone else)",
      check_confirm: "confirmed: {who}, {time}", check_review: "review: {note} ({who}, {time})",
      newToken: "New token", role: "Role", holderName: "Holder's name (shown in the history)",
      venuesLabel: "Venues (none: every venue)",
      expiresLabel: "Valid through (that day included; empty: no expiry)",
      create: "Create the token",
      role_recorder: "Recorder (enters; official results wait)",
      role_referee: "Referee (enters and confirms)", role_official: "Official (v1, enters)",
      role_admin: "Results desk", role_media: "Media",
      short_recorder: "recorder", short_referee: "referee", short_official: "official",
      short_admin: "desk", short_media: "media",
      createdTitle: "Token #{id} for {name} created",
      createdHelp: "The token is shown this once. Let its holder scan the QR code with a phone:"
        + " the entry page opens signed in.",
      secret: "Token", entryLink: "Entry page (signed in)", handedOver: "Handed over; close",
      tokenList: "Every token", name: "Name", venues: "Venues", state: "State",
      createdAt: "Created", expires: "Valid through", entered: "Entered", allVenues: "all",
      tokenState_active: "active", tokenState_revoked: "revoked",
      tokenState_expired: "expired",
      createdBy: "{time} ({who})", revokedBy: "revoked {time} ({who})",
      revoke: "Revoke", revokeSure: "Really revoke",
      holder: "{name}",
    },
  };

  const $ = (id) => document.getElementById(id);
  let lang = localStorage.getItem(STORE.lang) === "en" ? "en" : "zh";
  let progress = null; // GET /v1/desk/progress
  let tokens = null; // GET /v1/desk/tokens
  let games = null; // GET /v1/my/events: the venues and delegations
  let unitHistory = null; // GET /v1/events/{id}/history of the unit shown
  let shownUnit = null; // the progress item of the unit shown
  let shownVenue = null; // and of its venue
  let refreshTimer = null;
  let loading = null; // the refresh in progress

  // --- small helpers -------------------------------------------------------------------

  const { podiumPage } = window;
  const { el } = podiumPage;

  function t(key, params = {}) {
    return podiumPage.fill(TEXTS[lang][key] ?? TEXTS.en[key] ?? key, params);
  }

  function name(item) {
    return lang === "zh" ? item.name : item.name_en;
  }

  // Beijing time, as the programme prints it: "09-20 09:00".
  function beijing(iso) {
    if (!iso) return "";
    const shifted = new Date(Date.parse(iso) + 8 * 3600 * 1000).toISOString();
    return `${shifted.slice(5, 10)} ${shifted.slice(11, 16)}`;
  }

  function badge(state, text) {
    return el("span", { className: `badge state-${state}`, textContent: text });
  }

  function delegationName(code) {
    const found = games?.delegations.find((d) => d.code === code);
    return found ? name(found) : code;
  }

  async function api(path, options = {}) {
    const response = await podiumPage.api(path, localStorage.getItem(STORE.token), lang, options);
    if (response.status === 401) {
      signOut();
      throw new Error("signed out");
    }
    return response;
  }

  async function problemText(response) {
    const problem = await response.json().catch(() => ({}));
    const details = (problem.errors ?? []).map((error) => error.detail);
    return [problem.detail ?? response.statusText, ...details].join(" ");
  }

  function showError(text) {
    $("action-error").textContent = text;
  }

  // --- signing in ------------------------------------------------------------------------

  async function signIn(token) {
    $("signin-error").textContent = "";
    let response;
    try {
      response = await podiumPage.api("/v1/desk/tokens", token, lang);
    } catch {
      $("signin-error").textContent = t("networkDown");
      return false;
    }
    if (!response.ok) {
      $("signin-error").textContent = await problemText(response);
      return false;
    }
    localStorage.setItem(STORE.token, token);
    tokens = await response.json();
    const mine = await api("/v1/my/events");
    games = mine.ok ? await mine.json() : null;
    $("holder").textContent = games ? games.holder.name : "";
    $("signin").hidden = true;
    $("workspace").hidden = false;
    $("signout").hidden = false;
    fillVenues();
    await loadProgress();
    route();
    return true;
  }

  function signOut() {
    localStorage.removeItem(STORE.token);
    clearTimeout(refreshTimer);
    progress = tokens = games = unitHistory = shownUnit = shownVenue = null;
    $("workspace").hidden = true;
    $("signout").hidden = true;
    $("signin").hidden = false;
    $("holder").textContent = "";
    $("token").value = "";
  }

  // --- views -----------------------------------------------------------------------------

  function route() {
    if (!localStorage.getItem(STORE.token) || !progress) return;
    const hash = decodeURIComponent(location.hash.slice(1));
    const unitId = hash.startsWith("unit=") ? hash.slice(5) : null;
    const view = unitId ? "unit" : hash === "tokens" ? "tokens" : "progress";
    $("progress").hidden = view !== "progress";
    $("unit").hidden = view !== "unit";
    $("tokens").hidden = view !== "tokens";
    for (const link of document.querySelectorAll(".tabs a")) {
      link.classList.toggle("active", link.getAttribute("href") === `#${view === "unit" ? "progress" : view}`);
    }
    showError("");
    if (view === "unit") openUnit(unitId);
    if (view === "tokens") loadTokens();
  }

  // --- progress --------------------------------------------------------------------------

  // One refresh at a time; each schedules the next.
  function loadProgress() {
    loading ??= refresh().finally(() => { loading = null; });
    return loading;
  }

  async function refresh() {
    clearTimeout(refreshTimer);
    try {
      const fresh = !$("day").options.length;
      let response = await api(progressPath());
      if (response.ok && fresh) {
        progress = await response.json();
        fillDays();
        response = await api(progressPath());
      }
      if (response.ok) {
        progress = await response.json();
        renderProgress();
      }
    } catch {
      // Offline or signed out: the view stays as it was.
    } finally {
      clearTimeout(refreshTimer);
      if (localStorage.getItem(STORE.token)) refreshTimer = setTimeout(loadProgress, REFRESH_MS);
    }
  }

  function progressPath() {
    const day = $("day").value;
    return `/v1/desk/progress${day ? `?date=${day}` : ""}`;
  }

  // Today when it is a day of the games, else the first day; any day, or all of them.
  function fillDays() {
    const select = $("day");
    select.replaceChildren(el("option", { value: "", textContent: t("allDays") }),
      ...progress.days.map((day) => el("option", { value: day, textContent: day })));
    const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
    select.value = progress.days.includes(today) ? today : progress.days[0] ?? "";
  }

  function renderProgress() {
    $("updated").textContent = t("updated", { time: beijing(progress.now).slice(6) });
    $("totals").replaceChildren(...STATES.map((state) => el("li", { dataset: { state } },
      badge(state, t(`state_${state}`)), ` ${progress.totals[state]}`)));
    $("venues").replaceChildren(...progress.venues.map(renderVenue));
  }

  function renderVenue(venue) {
    const counts = el("div", { className: "counts" }, ...STATES.filter((s) => venue.counts[s])
      .map((state) => el("span", { className: `count state-${state}` },
        `${t(`state_${state}`)} ${venue.counts[state]}`)));
    const rows = venue.units.map((unit) => el("tr", {
      className: "unit", dataset: { unit: unit.unit_id, state: unit.state },
    },
    el("td", { className: "time", textContent: beijing(unit.starts_at).slice(6) }),
    el("td", {}, el("a", {
      className: "unit-link", href: `#unit=${encodeURIComponent(unit.unit_id)}`,
      textContent: name(unit),
    })),
    el("td", {}, badge(unit.state, t(`state_${unit.state}`))),
    el("td", { textContent: unit.revision ? t("revision", { n: unit.revision }) : "—" }),
    el("td", { textContent: unit.entered_by ?? "" })));
    const table = el("table", {},
      el("thead", {}, el("tr", {}, ...["time", "event", "stateCol", "revisionCol", "enteredBy"]
        .map((key) => el("th", { textContent: t(key) })))),
      el("tbody", {}, ...rows));
    return el("section", { className: "venue", dataset: { venue: venue.venue } },
      el("header", {}, el("h2", { textContent: name(venue) }), counts),
      el("div", { className: "table-wrap" }, table));
  }

  function unitOf(unitId) {
    for (const venue of progress?.venues ?? []) {
      const found = venue.units.find((unit) => unit.unit_id === unitId);
      if (found) return { unit: found, venue };
    }
    return null;
  }

  // --- one unit: what was entered, the checks, the audit trail ----------------------------

  async function openUnit(unitId) {
    let found = unitOf(unitId);
    if (!found) {
      // Another day's unit: the whole programme has it.
      const response = await api("/v1/desk/progress");
      if (!response.ok) return;
      const all = await response.json();
      for (const venue of all.venues) {
        const unit = venue.units.find((item) => item.unit_id === unitId);
        if (unit) found = { unit, venue };
      }
      if (!found) return;
    }
    const { unit, venue } = found;
    shownUnit = unit;
    shownVenue = venue;
    $("unit-done").textContent = "";
    const response = await api(`/v1/events/${encodeURIComponent(unit.event_id)}/history`
      + `?phase=${encodeURIComponent(unit.phase)}`);
    unitHistory = response.ok ? await response.json() : null;
    renderUnit(unit);
  }

  function renderUnit(unit) {
    $("unit-title").textContent = name(unit);
    $("unit").dataset.unit = unit.unit_id;
    $("unit").dataset.state = unit.state;
    $("unit-info").textContent = t("unitInfo", {
      time: beijing(unit.starts_at), venue: name(shownVenue), state: t(`state_${unit.state}`),
    });
    const latest = unitHistory?.revisions.at(-1);
    const review = unit.review;
    $("unit-review").hidden = !review;
    if (review) {
      $("unit-review").textContent = t("reviewNow", {
        note: review.note, who: review.by, time: beijing(review.at),
      });
    }
    $("unit-current").replaceChildren(latest
      ? el("div", {},
        el("p", {
          textContent: t("current", {
            n: latest.revision, status: t(`status_${latest.shown_status}`),
            who: latest.entered_by, time: beijing(latest.accepted_at),
          }),
        }),
        latest.note ? el("p", { className: "help", textContent: latest.note }) : null,
        entriesTable(latest, null))
      : el("p", { className: "help", textContent: t("noResult") }));
    $("confirm-unit").hidden = !(unit.state === "awaiting" || unit.state === "review");
    $("review-form").hidden = unit.state !== "done" || latest?.status !== "official";
    renderHistory();
  }

  // The entries of a revision; against the one before it, the cells that changed marked.
  function entriesTable(revision, before) {
    const key = (entry) => `${entry.delegation}|${entry.competitor}`;
    const previous = new Map((before?.entries ?? []).map((entry) => [key(entry), entry]));
    const fields = ["rank", "delegation", "competitor", "status", "mark", "record"];
    return el("div", { className: "table-wrap" }, el("table", { className: "entries" },
      el("thead", {}, el("tr", {}, ...fields.map((field) => el("th", {
        textContent: t(field === "status" ? "entryStatus" : field),
      })))),
      el("tbody", {}, ...revision.entries.map((entry) => {
        const old = previous.get(key(entry));
        return el("tr", {}, ...fields.map((field) => el("td", {
          className: before && (!old || old[field] !== entry[field]) ? "changed" : "",
          textContent: field === "delegation" ? delegationName(entry.delegation)
            : entry[field] ?? "",
        })));
      }))));
  }

  function renderHistory() {
    const list = $("unit-history");
    list.replaceChildren();
    if (!unitHistory) return;
    const revisions = unitHistory.revisions;
    revisions.forEach((revision, index) => {
      const title = el("div", {},
        el("strong", { textContent: t("revision", { n: revision.revision }) }), " · ",
        badge(revision.shown_status === "unofficial" ? "awaiting" : "done",
          t(`status_${revision.shown_status}`)),
        ` · ${t("by", { who: revision.entered_by, time: beijing(revision.accepted_at) })}`);
      if (revision.correction) title.append(" ", el("span", { className: "badge state-review", textContent: t("correction") }));
      if (revision.awaits_confirmation) title.append(" ", el("span", { className: "help", textContent: t("waits") }));
      const checks = el("ul", { className: "checks" }, ...revision.checks.map((check) => el("li", {
        textContent: t(`check_${check.action}`, {
          note: check.note ?? "", who: check.by, time: beijing(check.checked_at),
        }),
      })));
      const changes = el("ul", { className: "changes" }, ...revision.changes.map((change) => el("li", {
        textContent: describe(change),
      })));
      list.prepend(el("li", { dataset: { revision: revision.revision } }, title,
        revision.note ? el("div", { textContent: revision.note }) : null,
        changes, entriesTable(revision, index ? revisions[index - 1] : null), checks));
    });
  }

  function describe(change) {
    return podiumPage.describeChange(change, lang, (v) => t(`status_${v}`), delegationName);
  }

  async function check(action, body) {
    const unit = shownUnit;
    const latest = unitHistory?.revisions.at(-1);
    if (!unit || !latest) return;
    showError("");
    const response = await api(
      `/v1/results/${encodeURIComponent(unit.event_id)}/${latest.revision}/${action}`
        + `?phase=${encodeURIComponent(unit.phase)}`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    if (!response.ok) {
      showError(await problemText(response));
      return;
    }
    $("review-note").value = "";
    await loadProgress();
    await openUnit(unit.unit_id);
    $("unit-done").textContent = t(action === "confirm" ? "confirmed" : "reviewed", { n: latest.revision });
  }

  // --- tokens ----------------------------------------------------------------------------

  function fillVenues() {
    const select = $("new-venues");
    const venues = games?.events.reduce((found, event) => found.set(event.venue, {
      name: event.venue_name, name_en: event.venue_name_en,
    }), new Map()) ?? new Map();
    select.replaceChildren(...[...venues].map(([id, venue]) => el("option", { value: id, textContent: name(venue) })));
  }

  async function loadTokens() {
    const response = await api("/v1/desk/tokens");
    if (response.ok) tokens = await response.json();
    renderTokens();
  }

  function renderTokens() {
    const body = $("token-table").querySelector("tbody");
    body.replaceChildren(...(tokens?.tokens ?? []).slice().reverse().map((token) => {
      const revoke = el("button", { type: "button", className: "danger", textContent: t("revoke") });
      revoke.addEventListener("click", async () => {
        if (!revoke.classList.contains("sure")) {
          revoke.classList.add("sure");
          revoke.textContent = t("revokeSure");
          return;
        }
        const response = await api(`/v1/desk/tokens/${token.id}/revoke`, { method: "POST" });
        if (!response.ok) showError(await problemText(response));
        await loadTokens();
      });
      const state = token.revoked_at
        ? t("revokedBy", { time: beijing(token.revoked_at), who: token.revoked_by ?? "podium" })
        : t(`tokenState_${token.state}`);
      return el("tr", { className: "token", dataset: { token: token.id, state: token.state } },
        el("td", { textContent: `#${token.id}` }),
        el("td", { textContent: t(`short_${token.role}`) }),
        el("td", { textContent: token.name }),
        el("td", { textContent: token.venues.join(", ") || (token.role === "media" ? "—" : t("allVenues")) }),
        el("td", {}, badge(token.state, state)),
        el("td", { textContent: t("createdBy", { time: beijing(token.created_at), who: token.created_by ?? "podium" }) }),
        el("td", { textContent: token.expires_at ? beijing(token.expires_at) : "—" }),
        el("td", { textContent: String(token.results_entered) }),
        el("td", {}, token.state === "active" ? revoke : null));
    }));
  }

  async function createToken(event) {
    event.preventDefault();
    $("token-errors").replaceChildren();
    const venues = [...$("new-venues").selectedOptions].map((option) => option.value);
    const day = $("new-expires").value;
    const body = { role: $("new-role").value, name: $("new-name").value, venues };
    if (day) body.expires = day;
    const response = await api("/v1/desk/tokens", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (!response.ok) {
      $("token-errors").replaceChildren(el("li", { textContent: await problemText(response) }));
      return;
    }
    const created = await response.json();
    $("created-title").textContent = t("createdTitle", { id: created.id, name: created.name });
    $("created-secret").textContent = created.secret;
    $("created-url").textContent = created.entry_url;
    // The server's SVG, read as markup (never run): the page's CSP allows no inline script.
    const parsed = new DOMParser().parseFromString(created.qr_svg, "text/html");
    $("created-qr").replaceChildren(...parsed.body.childNodes);
    $("created").hidden = false;
    $("token-form").reset();
    await loadTokens();
  }

  // --- language and wiring ---------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = `${t("title")} · ${t("games")}`;
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    $("language").textContent = t("otherLanguage");
    $("language").lang = lang === "zh" ? "en" : "zh-CN";
    if (progress) {
      const day = $("day").value;
      $("day").options[0].textContent = t("allDays");
      $("day").value = day;
      renderProgress();
      fillVenues();
      renderTokens();
      if (!$("unit").hidden && shownUnit) renderUnit(shownUnit);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    window.podiumPage.wireSession({
      toggleLanguage: () => {
        lang = lang === "zh" ? "en" : "zh";
        localStorage.setItem(STORE.lang, lang);
        applyLanguage();
      },
      signIn,
      signOut,
    });
    $("day").addEventListener("change", () => (loading ?? Promise.resolve()).then(loadProgress));
    $("confirm-unit").addEventListener("click", () => check("confirm", {}));
    $("review-form").addEventListener("submit", (event) => {
      event.preventDefault();
      check("review", { note: $("review-note").value });
    });
    $("token-form").addEventListener("submit", createToken);
    $("created-done").addEventListener("click", () => {
      $("created").hidden = true;
      $("created-secret").textContent = "";
      $("created-url").textContent = "";
      $("created-qr").replaceChildren();
    });
    window.addEventListener("hashchange", route);

    applyLanguage();
    const token = localStorage.getItem(STORE.token);
    if (!token || !(await signIn(token))) $("signin").hidden = false;
  });
})();
