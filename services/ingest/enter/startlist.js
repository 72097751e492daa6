// The entry page's start list (秩序册): where a unit has one, or its event has entries, the
// result is entered against its competitors, lane by lane: ranks, marks and statuses only,
// never a typed name, and a competitor who did not start is one tap (DNS). Each entry then
// names its competitor by bib, as the server wants where an event has entries.
// Loaded before enter.js, which calls it (window.PodiumStartList).
"use strict";

window.PodiumStartList = (() => {
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    for (const child of children) if (child !== null) node.append(child);
    return node;
  }

  function errorSlot(field) {
    const slot = el("small", { className: "field-error" });
    slot.dataset.field = field;
    return slot;
  }

  function labelled(className, text, input, field) {
    return el("label", { className: `f ${className}` }, el("span", { textContent: text }), input,
      errorSlot(field));
  }

  function options(select, values, t, prefix) {
    for (const value of values) {
      select.append(el("option", { value, textContent: t(`${prefix}${value || "none"}`) }));
    }
  }

  // One competitor's row; `previous` is its entry in the unit's current result, if any.
  function row(competitor, previous, { t, delegationName }) {
    const rank = el("input", { name: "rank", type: "number", inputMode: "numeric", min: 1, step: 1 });
    const mark = el("input", { name: "mark", type: "text", maxLength: 40, autocomplete: "off" });
    const status = el("select", { name: "status" });
    options(status, ["OK", "DNF", "DSQ", "DNS"], t, "entry_");
    const record = el("select", { name: "record" });
    options(record, ["", "games", "provincial", "national"], t, "record_");
    const dns = el("button", { type: "button", className: "dns", textContent: t("dns") });
    const node = el("div", { className: "entry-row start-row" },
      el("div", { className: "who" },
        competitor.lane ? el("span", { className: "lane", textContent: t("lane", { n: competitor.lane }) }) : null,
        el("span", { className: "bib", textContent: competitor.bib }),
        el("strong", { className: "name", textContent: competitor.competitor ?? competitor.name }),
        el("span", { className: "from", textContent: delegationName(competitor.delegation) }),
        dns),
      errorSlot("bib"),
      labelled("rank", t("rank"), rank, "rank"),
      labelled("mark", t("mark"), mark, "mark"),
      labelled("status", t("entryStatus"), status, "status"),
      labelled("record", t("record"), record, "record"),
      errorSlot(""));
    node.dataset.bib = competitor.bib;
    node.dataset.delegation = competitor.delegation;
    node.dataset.competitor = competitor.competitor ?? competitor.name;
    node.dataset.members = JSON.stringify(competitor.members ?? []);
    const statusChanged = () => {
      // Only OK entries are ranked: DNF, DSQ and DNS have no rank.
      if (status.value !== "OK") rank.value = "";
      rank.disabled = status.value !== "OK";
      node.classList.toggle("not-ok", status.value !== "OK");
      dns.setAttribute("aria-pressed", String(status.value === "DNS"));
    };
    status.addEventListener("change", statusChanged);
    dns.addEventListener("click", () => {
      status.value = status.value === "DNS" ? "OK" : "DNS";
      statusChanged();
    });
    if (previous) {
      rank.value = previous.rank ?? "";
      mark.value = previous.mark ?? "";
      status.value = previous.status ?? "OK";
      record.value = previous.record ?? "";
    }
    statusChanged();
    return node;
  }

  /** Fills `container` with a row per competitor, each with its entry in `previous` (the
   * current result's entries), matched by bib. */
  function render(container, competitors, previous, texts) {
    const earlier = new Map((previous ?? []).map((entry) => [entry.bib, entry]));
    container.replaceChildren(...competitors.map(
      (competitor) => row(competitor, earlier.get(competitor.bib), texts)));
  }

  /** The entries of the rows an official filled (a rank, a mark or another status than OK),
   * and for each the index of its row. */
  function read(rows) {
    const entries = [];
    const rowOf = [];
    rows.forEach((node, index) => {
      const value = (name) => node.querySelector(`[name=${name}]`).value.trim();
      if (!value("rank") && !value("mark") && value("status") === "OK") return;
      const entry = {
        rank: value("rank") === "" ? null : Number(value("rank")),
        bib: node.dataset.bib,
        delegation: node.dataset.delegation,
        competitor: node.dataset.competitor,
        status: value("status"),
      };
      if (value("mark")) entry.mark = value("mark");
      if (value("record")) entry.record = value("record");
      const members = JSON.parse(node.dataset.members);
      if (members.length) entry.members = members;
      entries.push(entry);
      rowOf.push(index);
    });
    return { entries, rowOf };
  }

  return { render, read };
})();
