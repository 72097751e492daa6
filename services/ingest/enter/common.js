// What the entry page (/enter) and the results desk (/desk) share: building elements, filling
// a text's {placeholders}, asking ingest with a token, and telling what a revision changed,
// in Chinese or English. Loaded
// before each page's own script; it only defines window.podiumPage.
"use strict";

(() => {
  const CHANGES = {
    zh: {
      who: "{competitor}（{delegation}）",
      result_status: "结果状态：{from} → {to}",
      added: "新增：{who}", removed: "删除：{who}",
      reranked: "名次：{who} {from} → {to}", status: "状态：{who} {from} → {to}",
      mark: "成绩：{who} {from} → {to}", record: "纪录：{who} {from} → {to}",
      members: "队员：{who}",
    },
    en: {
      who: "{competitor} ({delegation})",
      result_status: "result status: {from} → {to}",
      added: "added: {who}", removed: "removed: {who}",
      reranked: "rank: {who} {from} → {to}", status: "status: {who} {from} → {to}",
      mark: "mark: {who} {from} → {to}", record: "record: {who} {from} → {to}",
      members: "members: {who}",
    },
  };

  // "{n} of {m}" with {n: 1, m: 2} -> "1 of 2".
  function fill(text, params = {}) {
    return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
  }

  function el(tag, { dataset = {}, ...props } = {}, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    Object.assign(node.dataset, dataset);
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  // One item of a revision's `changes` (GET /v1/events/{id}/history) as a line to read;
  // `statusName` names a result status, `delegationName` a delegation code.
  function describeChange(change, lang, statusName, delegationName) {
    const texts = CHANGES[lang] ?? CHANGES.en;
    const who = change.competitor
      ? fill(texts.who, { competitor: change.competitor, delegation: delegationName(change.delegation) })
      : "";
    const value = (v) => {
      if (v === null || v === undefined || v === "") return "—";
      if (Array.isArray(v)) return v.join("、");
      if (change.change === "result_status") return statusName(v);
      return String(v);
    };
    return fill(texts[change.change] ?? change.change,
      { who, from: value(change.from), to: value(change.to) });
  }

  // A request of ingest with the token, answered in the page's language.
  function api(path, token, lang, options = {}) {
    return fetch(path, {
      ...options,
      headers: {
        ...options.headers,
        Authorization: `Bearer ${token}`,
        "Accept-Language": lang === "zh" ? "zh-CN" : "en",
      },
    });
  }

  // The header every official's page has: the language switch and the sign-in and sign-out.
  function wireSession({ toggleLanguage, signIn, signOut }) {
    document.getElementById("language").addEventListener("click", toggleLanguage);
    document.getElementById("signin-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      await signIn(document.getElementById("token").value.trim());
    });
    document.getElementById("signout").addEventListener("click", signOut);
  }

  window.podiumPage = { fill, el, describeChange, api, wireSession };
})();
