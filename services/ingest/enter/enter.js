// The officials' entry page: sign in with a token, pick an event, enter the result, submit.
// Submissions wait in localStorage until the server has answered them, so a dropped venue
// network loses nothing: they are sent again when it returns (the very same body is answered
// 200 if it had arrived, so nothing is counted twice).
"use strict";

(() => {
  const STORE = {
    token: "podium.enter.token",
    lang: "podium.enter.lang",
    outbox: "podium.enter.outbox",
    rejected: "podium.enter.rejected",
  };
  const RETRY_MS = 5000;
  const MEMBER_SEPARATORS = /[,，、;；\n]+/;

  const TEXTS = {
    zh: {
      title: "成绩录入", games: "焦作市第十四届运动会", otherLanguage: "English",
      offline: "离线",
      tokenLabel: "令牌",
      tokenHelp: "请输入赛会办公室发给您的令牌。令牌只保存在本机浏览器中，用完请点“退出”。",
      signIn: "登录", signOut: "退出", networkDown: "无法连接服务器，请检查网络后重试。",
      signOutUnsent: "还有 {n} 条提交未发送，退出后将被删除，不会再发送。确定退出吗？",
      role_official: "裁判", role_admin: "成绩处", role_recorder: "记录员", role_referee: "裁判长",
      holder: "{role}：{name}（{venues}）",
      allVenues: "全部场馆",
      eventLabel: "项目", today: "今天", otherDays: "其他日期", chooseEvent: "请选择项目",
      unitLabel: "赛次", lane: "第{n}道", dns: "未出发", startListHelp: "按秩序册录入：填写名次和成绩，未出发的点“未出发”。空行不提交。",
      unitStatus_scheduled: "按计划", unitStatus_start_list: "已发布秩序册",
      unitStatus_running: "进行中", unitStatus_delayed: "推迟", unitStatus_postponed: "延期",
      unitStatus_unofficial: "待确认", unitStatus_official: "成绩正式",
      unitStatus_cancelled: "成绩已取消",
      noResultYet: "尚无成绩",
      current: "当前：第 {n} 版（{status}）",
      nextRevision: "本次提交为第 {n} 版。",
      resultStatus: "结果状态",
      status_provisional: "临时成绩（显示，不计分）",
      status_official: "正式成绩（计入奖牌榜和总分榜）",
      status_cancelled: "取消（撤回本项目成绩）",
      short_provisional: "临时", short_official: "正式", short_cancelled: "已取消",
      short_unofficial: "待确认",
      note: "备注（更正或取消的原因，媒体可见）",
      rank: "名次", delegation: "代表团", choose: "请选择", competitor: "运动员 / 队名",
      entryStatus: "状态", mark: "成绩", record: "纪录", members: "队员（用逗号分隔）",
      entry_OK: "正常", entry_DNF: "未完成 DNF", entry_DSQ: "取消资格 DSQ",
      entry_DNS: "未出发 DNS",
      record_none: "—", record_games: "破赛会纪录", record_provincial: "破省纪录",
      record_national: "破全国纪录",
      addRow: "添加一行", removeRow: "删除", submit: "提交",
      accepted: "已接受：{event} 第 {n} 版（{time}）",
      acceptedWaiting: "已接受，待确认：{event} 第 {n} 版（{time}）；另一位裁判长确认后计入成绩",
      acceptedAgain: "已接受（此前已收到，不会重复计算）：{event} 第 {n} 版（{time}）",
      unsentTitle: "未发送的提交：{n} 条",
      unsentHelp: "网络恢复后会自动发送。请不要清除浏览器数据。",
      waitingNetwork: "等待网络", waitingServer: "服务器暂不可用，稍后自动重试", sending: "正在发送",
      queued: "{time} 录入",
      rejectedTitle: "未被接受的提交：{n} 条",
      open: "打开修改", dismiss: "忽略",
      warnTitle: "提交前请确认",
      warnSameName: "“{name}”出现了 {count} 次（第 {rows} 行）",
      warnRecord: "第 {row} 行 {name}：{record}",
      warnNoNote: "更正正式成绩或取消成绩时，请在备注中写明原因",
      submitAnyway: "确认提交", goBack: "返回修改",
      historyTitle: "修改记录", noHistory: "尚无提交",
      correction: "更正", by: "{who}，{time}",
      revision: "第 {n} 版",
    },
    en: {
      title: "Result entry", games: "14th Jiaozuo City Games", otherLanguage: "中文",
      offline: "offline",
      tokenLabel: "Token",
      tokenHelp: "Enter the token the games office gave you. It is kept in this browser only;"
        + " sign out when you are done.",
      signIn: "Sign in", signOut: "Sign out",
      signOutUnsent: "{n} submission(s) not sent yet will be deleted and never sent. Sign out"
        + " anyway?",
      networkDown: "Cannot reach the server; check the network and try again.",
      role_official: "Official", role_admin: "Results desk", role_recorder: "Recorder",
      role_referee: "Referee", holder: "{role}: {name} ({venues})",
      allVenues: "all venues",
      eventLabel: "Event", today: "Today", otherDays: "Other days", chooseEvent: "Choose an event",
      unitLabel: "Unit", lane: "lane {n}", dns: "DNS",
      startListHelp: "From the start list: enter ranks and marks; tap DNS for who did not"
        + " start. Empty rows are not sent.",
      unitStatus_scheduled: "scheduled", unitStatus_start_list: "start list out",
      unitStatus_running: "running", unitStatus_delayed: "delayed",
      unitStatus_postponed: "postponed", unitStatus_unofficial: "awaiting confirmation",
      unitStatus_official: "official", unitStatus_cancelled: "cancelled",
      noResultYet: "no result yet",
      current: "Current: revision {n} ({status})",
      nextRevision: "This submission is revision {n}.",
      resultStatus: "Result status",
      status_provisional: "Provisional (shown, not counted)",
      status_official: "Official (counted in the tables)",
      status_cancelled: "Cancelled (withdraw this event's result)",
      short_provisional: "provisional", short_official: "official",
      short_cancelled: "cancelled", short_unofficial: "awaiting confirmation",
      note: "Note (reason for a correction or withdrawal; media see it)",
      rank: "Rank", delegation: "Delegation", choose: "Choose", competitor: "Competitor / team",
      entryStatus: "Status", mark: "Mark", record: "Record",
      members: "Members (comma-separated)",
      entry_OK: "OK", entry_DNF: "DNF", entry_DSQ: "DSQ", entry_DNS: "DNS",
      record_none: "—", record_games: "Games record", record_provincial: "Provincial record",
      record_national: "National record",
      addRow: "Add a row", removeRow: "Remove", submit: "Submit",
      accepted: "Accepted: {event} revision {n} ({time})",
      acceptedWaiting: "Accepted, awaiting confirmation: {event} revision {n} ({time}); it"
        + " counts once another referee confirms it",
      acceptedAgain: "Accepted (it had arrived before; counted once): {event} revision {n}"
        + " ({time})",
      unsentTitle: "Unsent submissions: {n}",
      unsentHelp: "They are sent automatically when the network is back. Do not clear the"
        + " browser's data.",
      waitingNetwork: "waiting for the network", waitingServer: "server unavailable; retrying",
      sending: "sending",
      queued: "entered {time}",
      rejectedTitle: "Submissions not accepted: {n}",
      open: "Open to fix", dismiss: "Dismiss",
      warnTitle: "Please check before submitting",
      warnSameName: "“{name}” is listed {count} times (rows {rows})",
      warnRecord: "Row {row}, {name}: {record}",
      warnNoNote: "A correction of an official result or a withdrawal needs its reason in the note",
      submitAnyway: "Submit anyway", goBack: "Go back",
      historyTitle: "History", noHistory: "nothing submitted yet",
      correction: "correction", by: "{who}, {time}",
      revision: "revision {n}",
    },
  };

  const $ = (id) => document.getElementById(id);
  let lang = localStorage.getItem(STORE.lang) === "en" ? "en" : "zh";
  let me = null; // GET /v1/my/events
  let history = null; // GET /v1/events/{id}/history?phase= of the selected unit
  let unitPage = null; // GET /v1/my/units/{unit_id} of the selected unit
  let pendingBody = null; // a body waiting for the official's confirmation
  let pendingRows = null;
  let flushing = false;
  let formItemId = null; // the outbox item the form on screen was submitted as
  let retryTimer = null;
  const sendState = new Map(); // outbox item id -> "sending" | "network" | "server"

  // --- small helpers -------------------------------------------------------------------

  function t(key, params = {}) {
    const text = TEXTS[lang][key] ?? TEXTS.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
  }

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    for (const child of children) node.append(child);
    return node;
  }

  function load(key, fallback) {
    try {
      return JSON.parse(localStorage.getItem(key)) ?? fallback;
    } catch {
      return fallback;
    }
  }

  function save(key, value) {
    localStorage.setItem(key, JSON.stringify(value));
  }

  // "2024-09-20T09:00:00+08:00" -> "09-20 09:00", in the venue's own time.
  function shortTime(iso) {
    return iso ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : "";
  }

  function localTime(iso) {
    return new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
  }

  function name(item) {
    return lang === "zh" ? item.name : item.name_en;
  }

  function delegationName(code) {
    const found = me?.delegations.find((d) => d.code === code);
    return found ? name(found) : code;
  }

  function eventById(id) {
    return me?.events.find((event) => event.id === id);
  }

  function unitOf(event, phase) {
    return event?.units.find((unit) => unit.phase === (phase ?? "final"));
  }

  // An event's name, with its unit's where the event has several ("男子100米 第1组预赛").
  function eventLabel(id, phase) {
    const event = eventById(id);
    if (!event) return id;
    const unit = unitOf(event, phase);
    return event.units.length > 1 && unit
      ? `${name(event)} ${lang === "zh" ? unit.phase_name : unit.phase_name_en}` : name(event);
  }

  function selectedUnit() {
    return unitOf(eventById($("event").value), $("unit").value);
  }

  // The competitors a result is entered against: the start list, else everyone entered.
  function competitors() {
    if (!unitPage) return [];
    return unitPage.start_list.length ? unitPage.start_list : unitPage.entries;
  }

  async function api(path, token, options = {}) {
    return window.podiumPage.api(path, token, lang, options);
  }

  // --- language ----------------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = `${t("title")} · ${t("games")}`;
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    $("language").textContent = t("otherLanguage");
    $("language").lang = lang === "zh" ? "en" : "zh-CN";
    for (const select of document.querySelectorAll("select[name=delegation]")) {
      fillDelegations(select, select.value);
    }
    if (me) {
      renderHolder();
      renderEvents($("event").value);
      const event = eventById($("event").value);
      if (event) renderUnits(event, $("unit").value);
      renderEventInfo();
      renderHistory();
    }
    renderOutbox();
    renderRejected();
  }

  // --- signing in -----------------------------------------------------------------------------

  async function signIn(token) {
    $("signin-error").textContent = "";
    let response;
    try {
      response = await api("/v1/my/events", token);
    } catch {
      $("signin-error").textContent = t("networkDown");
      return false;
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      $("signin-error").textContent = problem.detail ?? response.statusText;
      if (response.status === 401) localStorage.removeItem(STORE.token); // unknown or revoked
      return false;
    }
    me = await response.json();
    localStorage.setItem(STORE.token, token);
    $("signin").hidden = true;
    $("workspace").hidden = false;
    renderHolder();
    renderEvents();
    document.dispatchEvent(new CustomEvent("podium:signedin")); // awaiting.js lists its own
    return true;
  }

  // Signing out leaves no token in this browser: the waiting and rejected submissions
  // each keep the token they were made with, so they go too (after a confirmation when
  // some were never sent).
  function signOut() {
    const unsent = load(STORE.outbox, []).length;
    if (unsent && !window.confirm(t("signOutUnsent", { n: unsent }))) return;
    for (const key of [STORE.token, STORE.outbox, STORE.rejected]) localStorage.removeItem(key);
    clearTimeout(retryTimer);
    sendState.clear();
    formItemId = null;
    pendingBody = null;
    pendingRows = null;
    renderOutbox();
    renderRejected();
    me = null;
    history = null;
    $("workspace").hidden = true;
    $("signin").hidden = false;
    $("token").value = "";
    $("result-form").hidden = true;
  }

  async function refreshMine() {
    const token = localStorage.getItem(STORE.token);
    if (!token) return;
    try {
      const response = await api("/v1/my/events", token);
      if (response.ok) {
        me = await response.json();
        renderEvents($("event").value);
        const event = eventById($("event").value);
        if (event) renderUnits(event, $("unit").value);
        renderEventInfo();
      }
    } catch {
      // Offline: the list stays as it was; the outbox knows what is still to be sent.
    }
  }

  function renderHolder() {
    const holder = me.holder;
    const venues = holder.venues.length ? holder.venues.join(", ") : t("allVenues");
    $("holder").textContent = t("holder", { role: t(`role_${holder.role}`), name: holder.name, venues });
  }

  // --- the event ---------------------------------------------------------------------------

  function renderEvents(selected = "") {
    const select = $("event");
    select.replaceChildren(el("option", { value: "", textContent: t("chooseEvent") }));
    const groups = [
      [t("today"), me.events.filter((event) => event.today)],
      [t("otherDays"), me.events.filter((event) => !event.today)],
    ];
    for (const [label, events] of groups) {
      if (!events.length) continue;
      const group = el("optgroup", { label });
      for (const event of events) {
        const state = event.current_revision
          ? `${t("revision", { n: event.current_revision })} ${t(`short_${event.current_status}`)}`
          : t("noResultYet");
        group.append(el("option", {
          value: event.id,
          textContent: `${shortTime(event.scheduled_at)} ${name(event)} · ${state}`,
        }));
      }
      select.append(group);
    }
    select.value = selected;
  }

  // Revisions count per unit.
  function nextRevision(eventId, phase) {
    const queued = load(STORE.outbox, [])
      .filter((item) => item.body.event_id === eventId
        && (item.body.phase ?? "final") === (phase ?? "final"))
      .map((item) => item.body.revision);
    return Math.max(unitOf(eventById(eventId), phase)?.current_revision ?? 0, ...queued) + 1;
  }

  function renderEventInfo() {
    const event = eventById($("event").value);
    const unit = selectedUnit();
    if (!event || !unit) {
      $("event-info").textContent = "";
      return;
    }
    const venue = name({ name: event.venue_name, name_en: event.venue_name_en });
    const current = unit.current_revision
      ? t("current", { n: unit.current_revision, status: t(`short_${unit.current_status}`) })
      : t("noResultYet");
    const state = unitPage?.unit.unit_id === unit.unit_id
      ? ` · ${t(`unitStatus_${unitPage.unit.status}`)}` : "";
    const startsAt = unitPage?.unit.unit_id === unit.unit_id ? unitPage.unit.starts_at : unit.starts_at;
    $("event-info").textContent = `${shortTime(startsAt)} · ${venue} · ${current}${state}`;
    $("next-revision").textContent = t("nextRevision", { n: nextRevision(event.id, unit.phase) });
  }

  function renderUnits(event, selected) {
    const select = $("unit");
    select.replaceChildren(...event.units.map((unit) => el("option", {
      value: unit.phase,
      textContent: `${shortTime(unit.starts_at)} ${lang === "zh" ? unit.phase_name : unit.phase_name_en}`
        + ` · ${unit.current_revision
          ? `${t("revision", { n: unit.current_revision })} ${t(`short_${unit.current_status}`)}`
          : t("noResultYet")}`,
    })));
    select.value = selected;
    $("unit-field").hidden = event.units.length < 2;
  }

  async function selectEvent(eventId) {
    const event = eventById(eventId);
    if (!event) {
      $("result-form").hidden = true;
      return;
    }
    // The first unit without an official result, in the programme's order.
    const next = event.units.find((unit) => unit.current_status !== "official") ?? event.units.at(-1);
    renderUnits(event, next.phase);
    await selectUnit();
  }

  async function selectUnit() {
    formItemId = null;
    clearErrors();
    $("accepted").textContent = "";
    hideConfirm();
    history = null;
    unitPage = null;
    renderHistory();
    // The form shows once it holds this unit's current result, never a half-filled one.
    $("result-form").hidden = true;
    const event = eventById($("event").value);
    const unit = selectedUnit();
    if (!event || !unit) return;
    renderEventInfo();
    await Promise.all([loadHistory(event.id, unit.phase), loadUnit(unit.unit_id)]);
    if (selectedUnit() !== unit) return; // another unit was picked meanwhile
    renderEventInfo();
    const latest = history?.revisions.at(-1);
    fillForm(latest ?? { status: "provisional", note: null, entries: [] }, event);
    $("result-form").hidden = false;
  }

  async function loadUnit(unitId) {
    try {
      const response = await api(`/v1/my/units/${unitId.split("/").map(encodeURIComponent).join("/")}`,
        localStorage.getItem(STORE.token));
      if (response.ok && selectedUnit()?.unit_id === unitId) unitPage = await response.json();
    } catch {
      unitPage = null; // offline: the free rows
    }
  }

  async function loadHistory(eventId, phase) {
    try {
      const response = await api(
        `/v1/events/${encodeURIComponent(eventId)}/history?phase=${encodeURIComponent(phase)}`,
        localStorage.getItem(STORE.token));
      if (response.ok && selectedUnit()?.phase === phase) history = await response.json();
    } catch {
      history = null; // offline: start from a blank form
    }
    renderHistory();
  }

  function renderHistory() {
    const list = $("history-list");
    list.replaceChildren();
    if (!history) return;
    if (!history.revisions.length) list.append(el("li", { textContent: t("noHistory") }));
    for (const revision of [...history.revisions].reverse()) {
      const title = el("div", {
        textContent: `${t("revision", { n: revision.revision })} · `
          + `${t(`short_${revision.shown_status ?? revision.status}`)} · `
          + t("by", { who: revision.entered_by, time: localTime(revision.accepted_at) }),
      });
      if (revision.correction) title.append(el("span", { className: "tag", textContent: t("correction") }));
      const item = el("li", {}, title);
      if (revision.note) item.append(el("div", { textContent: revision.note }));
      const changes = el("ul", { className: "changes" });
      for (const change of revision.changes) changes.append(el("li", { textContent: describe(change) }));
      item.append(changes);
      list.append(item);
    }
  }

  function describe(change) {
    return window.podiumPage.describeChange(change, lang, (v) => t(`short_${v}`), delegationName);
  }

  // --- the form ----------------------------------------------------------------------------

  function fillDelegations(select, value) {
    select.replaceChildren(el("option", { value: "", textContent: t("choose") }));
    for (const delegation of me?.delegations ?? []) {
      select.append(el("option", { value: delegation.code, textContent: name(delegation) }));
    }
    select.value = value ?? "";
  }

  function rows() {
    return [...$("entries").querySelectorAll(".entry-row")];
  }

  function addRow(entry = {}) {
    const row = $("row-template").content.firstElementChild.cloneNode(true);
    for (const node of row.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    const field = (fieldName) => row.querySelector(`[name=${fieldName}]`);
    fillDelegations(field("delegation"), entry.delegation);
    field("rank").value = entry.rank ?? "";
    field("competitor").value = entry.competitor ?? "";
    field("status").value = entry.status ?? "OK";
    field("mark").value = entry.mark ?? "";
    field("record").value = entry.record ?? "";
    field("members").value = (entry.members ?? []).join("，");
    row.classList.toggle("team-off", eventById($("event").value)?.kind !== "team");
    field("status").addEventListener("change", () => {
      // Only OK entries are ranked: DNF, DSQ and DNS have no rank.
      if (field("status").value !== "OK") field("rank").value = "";
      field("rank").disabled = field("status").value !== "OK";
    });
    field("rank").disabled = field("status").value !== "OK";
    row.querySelector(".remove").addEventListener("click", () => {
      row.remove();
      if (!rows().length) addRow();
    });
    $("entries").append(row);
    return row;
  }

  function fillForm(result, event) {
    $("result-status").value = result.status === "cancelled" ? "provisional" : result.status;
    $("note").value = "";
    $("entries").replaceChildren();
    const entries = result.status === "cancelled" ? [] : result.entries;
    const listed = competitors();
    $("add-row").hidden = listed.length > 0;
    $("start-list-help").hidden = !listed.length;
    if (listed.length) {
      window.PodiumStartList.render($("entries"), listed, entries, { t, delegationName });
    } else {
      for (const entry of entries) addRow(entry);
      // A first result starts with a few empty rows; blank rows are not sent.
      if (!entries.length) for (let i = 0; i < 3; i += 1) addRow();
    }
    toggleEntries();
    $("next-revision").textContent = t("nextRevision", {
      n: nextRevision(event.id, selectedUnit()?.phase) });
  }

  function toggleEntries() {
    $("entries-block").hidden = $("result-status").value === "cancelled";
  }

  // The body to send, and for each of its entries the form row it came from.
  function readForm() {
    const eventId = $("event").value;
    const phase = selectedUnit()?.phase ?? "final";
    const status = $("result-status").value;
    let entries = [];
    let rowOf = [];
    if (status !== "cancelled" && competitors().length) {
      ({ entries, rowOf } = window.PodiumStartList.read(rows()));
    } else if (status !== "cancelled") {
      rows().forEach((row, index) => {
        const value = (fieldName) => row.querySelector(`[name=${fieldName}]`).value.trim();
        if (!value("rank") && !value("delegation") && !value("competitor") && !value("mark")) return;
        const entry = {
          rank: value("rank") === "" ? null : Number(value("rank")),
          delegation: value("delegation"),
          competitor: value("competitor"),
          status: value("status"),
        };
        if (value("mark")) entry.mark = value("mark");
        if (value("record")) entry.record = value("record");
        const members = value("members").split(MEMBER_SEPARATORS).map((m) => m.trim()).filter(Boolean);
        if (members.length) entry.members = members;
        entries.push(entry);
        rowOf.push(index);
      });
    }
    // v1's body for a final; a heat's names its phase.
    const body = { event_id: eventId, revision: nextRevision(eventId, phase), status, entries };
    if (phase !== "final") body.phase = phase;
    const note = $("note").value.trim();
    if (note) body.note = note;
    return { body, rowOf };
  }

  // What an official should look at twice before it goes out.
  function warnings(body, rowOf) {
    const found = [];
    const byName = new Map();
    body.entries.forEach((entry, index) => {
      const key = entry.competitor.replace(/\s+/g, "");
      if (!key) return;
      byName.set(key, [...(byName.get(key) ?? []), index]);
    });
    for (const [competitor, indices] of byName) {
      if (indices.length > 1) {
        found.push(t("warnSameName", {
          name: competitor, count: indices.length,
          rows: indices.map((i) => rowOf[i] + 1).join(lang === "zh" ? "、" : ", "),
        }));
      }
    }
    body.entries.forEach((entry, index) => {
      if (entry.record) {
        found.push(t("warnRecord", {
          row: rowOf[index] + 1, name: entry.competitor, record: t(`record_${entry.record}`),
        }));
      }
    });
    const correctsOfficial = history?.revisions.some((r) => r.status === "official");
    if (!body.note && (body.status === "cancelled" || correctsOfficial)) {
      found.push(t("warnNoNote"));
    }
    return found;
  }

  function showConfirm(found) {
    $("confirm-list").replaceChildren(...found.map((text) => el("li", { textContent: text })));
    $("confirm").hidden = false;
    $("submit").hidden = true;
    $("confirm-submit").focus();
  }

  function hideConfirm() {
    pendingBody = null;
    pendingRows = null;
    $("confirm").hidden = true;
    $("submit").hidden = false;
  }

  // --- problems next to their fields -------------------------------------------------------

  function clearErrors() {
    for (const node of document.querySelectorAll(".field-error")) node.textContent = "";
    for (const node of document.querySelectorAll(".invalid")) node.classList.remove("invalid");
    $("general-errors").replaceChildren();
  }

  function showProblem(problem, rowOf) {
    clearErrors();
    const general = [];
    const problems = problem.errors?.length ? problem.errors : [{ pointer: "", detail: problem.detail }];
    if (problem.errors?.length) general.push(problem.detail);
    for (const { pointer, detail } of problems) {
      const target = fieldFor(pointer, rowOf);
      if (!target) {
        general.push(detail);
        continue;
      }
      const slot = target.slot;
      slot.textContent = slot.textContent ? `${slot.textContent} / ${detail}` : detail;
      target.input?.classList.add("invalid");
    }
    $("general-errors").replaceChildren(...general.map((text) => el("li", { textContent: text })));
    document.querySelector(".invalid, #general-errors li")?.scrollIntoView({ block: "center" });
  }

  // The error slot (and input) a JSON pointer of the body points at, if the form shows it.
  function fieldFor(pointer, rowOf) {
    const parts = pointer.split("/").slice(1);
    if (parts.length === 1 && (parts[0] === "status" || parts[0] === "note")) {
      const input = parts[0] === "status" ? $("result-status") : $("note");
      return { input, slot: input.parentElement.querySelector(".field-error") };
    }
    if (parts[0] !== "entries" || parts.length < 2 || !rowOf) return null;
    const row = rows()[rowOf[Number(parts[1])]];
    if (!row) return null;
    const fieldName = parts[2] ?? "";
    const slot = row.querySelector(`.field-error[data-field="${CSS.escape(fieldName)}"]`);
    if (!slot) return null;
    return { input: row.querySelector(`[name="${CSS.escape(fieldName)}"]`), slot };
  }

  // --- the outbox: submissions waiting for an answer ----------------------------------------

  function enqueue(body, rowOf) {
    const item = {
      id: `${Date.now()}-${Math.random().toString(36).slice(2)}`,
      token: localStorage.getItem(STORE.token),
      body,
      rowOf,
      queuedAt: new Date().toISOString(),
    };
    save(STORE.outbox, [...load(STORE.outbox, []), item]);
    formItemId = item.id;
    renderOutbox();
    flush();
  }

  function dropFromOutbox(id) {
    save(STORE.outbox, load(STORE.outbox, []).filter((item) => item.id !== id));
    sendState.delete(id);
  }

  // Sends the waiting submissions in the order they were made; stops at the first that
  // cannot be delivered, so an event's revisions never overtake each other.
  async function flush() {
    if (flushing) return;
    flushing = true;
    clearTimeout(retryTimer);
    try {
      // Always the oldest: submissions made while this runs are sent in the same pass.
      for (let item = load(STORE.outbox, [])[0]; item; item = load(STORE.outbox, [])[0]) {
        sendState.set(item.id, "sending");
        renderOutbox();
        let response;
        try {
          response = await api("/v1/results", item.token, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(item.body),
          });
        } catch {
          sendState.set(item.id, "network");
          retryLater(RETRY_MS);
          return;
        }
        if (response.status >= 500) {
          sendState.set(item.id, "server");
          const seconds = Number(response.headers.get("Retry-After"));
          retryLater(seconds > 0 ? seconds * 1000 : RETRY_MS);
          return;
        }
        const answer = await response.json().catch(() => ({}));
        dropFromOutbox(item.id);
        if (response.ok) accepted(item, answer, response.status);
        else rejected(item, answer);
      }
    } finally {
      flushing = false;
      renderOutbox();
    }
  }

  function retryLater(ms) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, ms);
  }

  function accepted(item, answer, status) {
    const unit = unitOf(eventById(item.body.event_id), item.body.phase);
    if (unit && unit.current_revision < answer.revision) {
      unit.current_revision = answer.revision;
      unit.current_status = answer.awaiting_confirmation ? "unofficial" : item.body.status;
    }
    const said = answer.awaiting_confirmation ? "acceptedWaiting" : "accepted";
    $("accepted").textContent = t(status === 202 ? said : "acceptedAgain", {
      event: eventLabel(item.body.event_id, item.body.phase), n: answer.revision,
      time: localTime(answer.accepted_at),
    });
    if (selectedUnit() === unit) {
      clearErrors();
      loadHistory(item.body.event_id, unit.phase);
      renderEventInfo();
    }
    renderEvents($("event").value);
    refreshMine();
    document.dispatchEvent(new CustomEvent("podium:accepted")); // awaiting.js lists it
  }

  function rejected(item, problem) {
    if (item.id === formItemId) {
      showProblem(problem, item.rowOf);
    } else {
      save(STORE.rejected, [...load(STORE.rejected, []), { ...item, problem }]);
      renderRejected();
    }
    if (problem.status === 409) refreshMine();
  }

  function renderOutbox() {
    const items = load(STORE.outbox, []);
    $("outbox").hidden = !items.length;
    $("outbox-title").textContent = t("unsentTitle", { n: items.length });
    $("outbox-list").replaceChildren(...items.map((item) => {
      const state = {
        sending: t("sending"), network: t("waitingNetwork"), server: t("waitingServer"),
      }[sendState.get(item.id) ?? "network"];
      return el("li", {
        textContent: `${eventLabel(item.body.event_id, item.body.phase)}`
          + ` · ${t("revision", { n: item.body.revision })}`
          + ` · ${t("queued", { time: localTime(item.queuedAt) })} · ${state}`,
      });
    }));
    if (me && $("event").value) renderEventInfo();
  }

  function renderRejected() {
    const items = load(STORE.rejected, []);
    $("rejected").hidden = !items.length;
    $("rejected-title").textContent = t("rejectedTitle", { n: items.length });
    $("rejected-list").replaceChildren(...items.map((item) => {
      const remove = () => {
        save(STORE.rejected, load(STORE.rejected, []).filter((other) => other.id !== item.id));
        renderRejected();
      };
      const open = el("button", { type: "button", textContent: t("open") });
      open.addEventListener("click", async () => {
        remove();
        const event = eventById(item.body.event_id);
        $("event").value = item.body.event_id;
        if (event) renderUnits(event, item.body.phase ?? "final");
        await selectUnit();
        fillForm(item.body, event);
        if (item.body.status === "cancelled") $("result-status").value = "cancelled";
        toggleEntries();
        $("note").value = item.body.note ?? "";
        showProblem(item.problem, item.body.entries.map((_, index) => index));
      });
      const dismiss = el("button", { type: "button", className: "link", textContent: t("dismiss") });
      dismiss.addEventListener("click", remove);
      return el("li", {},
        el("div", {
          textContent: `${eventLabel(item.body.event_id, item.body.phase)}`
            + ` · ${t("revision", { n: item.body.revision })}: ${item.problem.detail ?? ""}`,
        }),
        open, dismiss);
    }));
  }

  // --- wiring ---------------------------------------------------------------------------------

  function submitForm() {
    const { body, rowOf } = pendingBody ? { body: pendingBody, rowOf: pendingRows } : readForm();
    hideConfirm();
    clearErrors();
    $("accepted").textContent = "";
    enqueue(body, rowOf);
  }

  function showNetwork() {
    $("network").hidden = navigator.onLine;
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
    $("event").addEventListener("change", () => selectEvent($("event").value));
    $("unit").addEventListener("change", selectUnit);
    $("result-status").addEventListener("change", toggleEntries);
    $("add-row").addEventListener("click", () => addRow().querySelector("[name=rank]").focus());
    $("result-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const { body, rowOf } = readForm();
      const found = warnings(body, rowOf);
      if (found.length) {
        pendingBody = body;
        pendingRows = rowOf;
        showConfirm(found);
      } else {
        submitForm();
      }
    });
    $("confirm-submit").addEventListener("click", submitForm);
    $("confirm-back").addEventListener("click", hideConfirm);
    window.addEventListener("online", () => {
      showNetwork();
      flush();
      const token = localStorage.getItem(STORE.token);
      if (me) refreshMine();
      else if (token) signIn(token); // the page was opened offline
    });
    window.addEventListener("offline", showNetwork);

    applyLanguage();
    showNetwork();
    // A new token's QR code opens /enter#token=…: signed in at once, the secret then taken
    // out of the address (the fragment never reaches the server).
    const linked = new URLSearchParams(location.hash.slice(1)).get("token");
    if (linked) window.history.replaceState(null, "", location.pathname + location.search);
    const token = linked || localStorage.getItem(STORE.token);
    if (!token || !(await signIn(token))) {
      $("signin").hidden = false;
    }
    flush();
  });
})();
