// Results awaiting their confirmation (录入 → 审核) at the signed-in official's venues, each
// exactly as it was entered. A recorder sees what waits for a referee; a referee (or the
// desk) confirms one with a single tap, once it has seen the entries. Beside enter.js: it
// shares the token and the language the page keeps in localStorage.
"use strict";

(() => {
  const STORE = { token: "podium.enter.token", lang: "podium.enter.lang" };
  const REFRESH_MS = 10000;

  const TEXTS = {
    zh: {
      title: "待确认的成绩：{n} 条",
      helpReferee: "请逐项核对录入内容，无误后点“确认无误”：确认后计入奖牌榜和总分榜。",
      helpRecorder: "这些正式成绩须由裁判长确认后才计入成绩。",
      item: "{event} · 第 {n} 版 · {who} 录入于 {time}",
      rank: "名次", delegation: "代表团", competitor: "运动员 / 队名", status: "状态",
      mark: "成绩", record: "纪录",
      confirm: "确认无误（第 {n} 版）", confirming: "正在确认…",
      mine: "本条由您录入，等待另一位裁判长确认。", waiting: "等待裁判长确认。",
      confirmed: "已确认：{event} 第 {n} 版，已计入成绩",
      networkDown: "无法连接服务器，请稍后重试。",
    },
    en: {
      title: "Awaiting confirmation: {n}",
      helpReferee: "Check every line as entered, then tap Confirm: the result then counts in"
        + " the medal and points tables.",
      helpRecorder: "These official results count once a referee confirms them.",
      item: "{event} · revision {n} · entered by {who} at {time}",
      rank: "Rank", delegation: "Delegation", competitor: "Competitor / team",
      status: "Status", mark: "Mark", record: "Record",
      confirm: "Confirm as entered (revision {n})", confirming: "confirming…",
      mine: "You entered this one: it waits for another referee's confirmation.",
      waiting: "Waiting for a referee's confirmation.",
      confirmed: "Confirmed: {event} revision {n} now counts",
      networkDown: "Cannot reach the server; try again shortly.",
    },
  };

  const $ = (id) => document.getElementById(id);
  const { el } = window.podiumPage;
  let timer = null;
  let shown = null; // the last GET /v1/my/awaiting
  let done = ""; // what the last confirmation said

  function lang() {
    return localStorage.getItem(STORE.lang) === "en" ? "en" : "zh";
  }

  function t(key, params = {}) {
    return window.podiumPage.fill(TEXTS[lang()][key] ?? key, params);
  }

  function request(path, options = {}) {
    return window.podiumPage.api(path, localStorage.getItem(STORE.token), lang(), options);
  }

  async function refresh() {
    clearTimeout(timer);
    if (!localStorage.getItem(STORE.token)) {
      $("awaiting").hidden = true;
      return;
    }
    try {
      const response = await request("/v1/my/awaiting");
      if (response.ok) shown = await response.json();
    } catch {
      // Offline: keep what is shown; the next pass tries again.
    }
    render();
    timer = setTimeout(refresh, REFRESH_MS);
  }

  function render() {
    const items = shown?.awaiting ?? [];
    $("awaiting").hidden = !items.length && !done;
    $("awaiting-title").textContent = t("title", { n: items.length });
    const confirms = items.some((item) => item.may_confirm);
    $("awaiting-help").textContent = done || t(confirms ? "helpReferee" : "helpRecorder");
    $("awaiting-help").className = done ? "help done" : "help";
    $("awaiting-list").replaceChildren(...items.map(renderItem));
  }

  function renderItem(item) {
    const name = lang() === "zh" ? item.name : item.name_en;
    const fields = ["rank", "delegation", "competitor", "status", "mark", "record"];
    const table = el("table", {},
      el("thead", {}, el("tr", {}, ...fields.map((field) => el("th", { textContent: t(field) })))),
      el("tbody", {}, ...item.entries.map((entry) => el("tr", {}, ...fields.map((field) => el("td", {
        textContent: field === "delegation" ? entry.delegation_name : entry[field] ?? "",
      }))))));
    const when = new Date(item.accepted_at).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB",
      { hour12: false });
    const line = el("li", { dataset: { event: item.event_id, unit: item.unit_id, revision: item.revision } },
      el("div", { textContent: t("item", { event: name, n: item.revision, who: item.entered_by, time: when }) }),
      item.note ? el("div", { className: "help", textContent: item.note }) : null,
      table);
    if (item.may_confirm) {
      const button = el("button", {
        type: "button", className: "primary confirm-result",
        textContent: t("confirm", { n: item.revision }),
      });
      button.addEventListener("click", () => confirm(item, name, button));
      line.append(button);
    } else {
      line.append(el("p", { className: "help", textContent: t(item.mine ? "mine" : "waiting") }));
    }
    return line;
  }

  async function confirm(item, name, button) {
    button.disabled = true;
    button.textContent = t("confirming");
    let response;
    try {
      response = await request(
        `/v1/results/${encodeURIComponent(item.event_id)}/${item.revision}/confirm`
          + `?phase=${encodeURIComponent(item.phase)}`,
        { method: "POST" });
    } catch {
      done = t("networkDown");
      render();
      return;
    }
    if (response.ok) {
      done = t("confirmed", { event: name, n: item.revision });
    } else {
      const problem = await response.json().catch(() => ({}));
      done = problem.detail ?? response.statusText;
    }
    await refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.addEventListener("podium:signedin", () => { done = ""; refresh(); });
    document.addEventListener("podium:accepted", refresh);
    $("signout").addEventListener("click", () => {
      if (localStorage.getItem(STORE.token)) return; // the official chose to stay
      shown = null;
      done = "";
      render();
      clearTimeout(timer);
    });
    $("language").addEventListener("click", render);
  });
})();
