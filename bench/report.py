"""docs/benchmarks.md and its plots from one run.

Only the part between the markers is rewritten: the notes around it (before/after figures of
each change, analysis) are kept as they are.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from bench import rest
from bench.figures import CONTENDED, Results, verdict
from bench.stats import answer_times, summarize
from bench.system import PACE_ADDITIONS
from shared.adapters.settings import REPO_ROOT

DOC = REPO_ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:begin: written by `make bench`; edits up to bench:end are overwritten -->"
END = "<!-- bench:end -->"
# A missing report starts as just its title and the generated section.
INTRO = "# Benchmarks\n\n"


def write(results: Results, figures: dict[str, Any], doc: Path) -> None:
    """Rewrites doc's generated section; the plots go to the folder `benchmarks` beside it."""
    plots = doc.parent / "benchmarks"
    plots.mkdir(parents=True, exist_ok=True)
    names = [name for name in (latency_plot(results, plots), fanout_plot(results, plots))
             if name]
    section = "\n".join([BEGIN, *markdown(results, figures, names), END])
    text = doc.read_text() if doc.exists() else INTRO + BEGIN + "\n" + END + "\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows), ""]


def markdown(results: Results, figures: dict[str, Any], plots: list[str]) -> list[str]:
    machine = results.machine
    lines = [
        f"## Latest run: {time.strftime('%Y-%m-%d %H:%M')}"
        + (" (quick)" if results.quick else ""),
        "",
        f"Machine: {machine['before']['cores']:.0f} cores. Busy with other work before the"
        f" run: {machine['before']['busy_share']:.0%} of the CPU (load"
        f" {machine['before']['load_1min']:.1f}); after it:"
        f" {machine['after']['busy_share']:.0%} (load {machine['after']['load_1min']:.1f})."
        " Figures taken while other work runs are only sizes: the final ones are to be taken"
        " on a quiet machine (`make bench` with nothing else running).",
        *_pace(machine.get("pace_before"), machine.get("pace_after")),
        *_disk(machine.get("disk")),
        "",
        *table(["figure", "measured", "target"],
               [[f"`{key}`", "null" if value is None else f"{value:,}", verdict(key, value)]
                for key, value in figures.items()]),
    ]
    if results.latency:
        lines += ["### End to end: POST sent -> `result` frame at each probe", "",
                  "Latencies in ms over every (probe, result) pair; *spread* is, per result,"
                  " the last probe's arrival minus the first's: how long the server takes to"
                  " hand one frame to its whole audience. In the steady runs the sinks"
                  " yield the cores to everything else (they stand for devices elsewhere,"
                  f" see `bench/audience.py`); *{CONTENDED}* is Podium's steady run again"
                  " with them competing for the cores, as they do in the bursts.", ""]
        lines += table(
            ["path", "load", "clients", "pairs", "p50", "p90", "p99", "max", "lost pairs",
             "errors", "spread p50", "frame bytes"],
            [[run.target, run.load, f"{run.clients:,}", *run.delivery.summary.row(1000),
              f"{run.delivery.missing:,}", str(run.errors or "none"),
              f"{summarize(run.delivery.spreads).p50 * 1000:.1f}",
              f"{run.delivery.frame_bytes:,.0f}"] for run in results.latency])
        lines += overload_notes(results) + queue_notes(results)
        split = [[run.load, stage, *summarize(values).row(1000)]
                 for run in results.latency for stage, values in run.stages.items() if values]
        if split:
            lines += ["Where Podium's latency goes, as a bare consumer on the two topics saw"
                      " each result pass (`bench/tap.py`), in ms:", ""]
            lines += table(["load", "stage", "samples", "p50", "p90", "p99", "max"], split)
    if results.fanout:
        lines += ["### Fan-out: one server process, a saturating burst", "",
                  "The server is paused while the burst goes through the stages before it,"
                  " then resumed (see `bench/fanout.py`). *Server µs/delivery* is the server's"
                  " own CPU time over the burst divided by the frames delivered (10⁶ over it"
                  " is what a whole core would deliver per second); *clients µs/delivery* the"
                  " same for the sink and probe processes, which share the machine with it.",
                  ""]
        lines += table(
            ["server", "clients", "results", "deliveries", "seconds", "deliveries/s",
             "server µs/delivery", "server CPU share", "clients µs/delivery",
             "closed by server"],
            [[step.target, f"{step.clients:,}", str(step.results), f"{step.deliveries:,}",
              f"{step.seconds:.2f}", f"{step.per_s:,.0f}", f"{step.us_per_delivery:.1f}",
              f"{step.server_cpu_s / step.seconds:.0%}" if step.seconds else "-",
              f"{step.client_us_per_delivery:.1f}", str(step.closed)]
             for step in sorted(results.fanout, key=lambda s: (s.target, s.clients))])
    if results.rest:
        lines += ["### REST reads with and without a cache", "",
                  f"`wrk`, {rest.CONNECTIONS} keep-alive connections for {rest.SECONDS} s on"
                  f" `{rest.READ}`: straight from broadcast (every read encoded and sent),"
                  " with `If-None-Match` of its ETag (304s), and through HAProxy keeping reads"
                  " for their `max-age` (bench/balancer.py, one process).", ""]
        lines += table(["way", "reads/s", "p99 ms"],
                       [[way, f"{read['per_s']:,.0f}", f"{read['p99_ms']:.1f}"]
                        for way, read in results.rest.items()])
    if results.scale:
        lines += ["### Scale-out: replicas behind HAProxy, one killed mid-run", "",
                  "Viewers (`bench/clients.py` `resumer`) each keep their position, connect"
                  " again through the balancer when disconnected and resume with `since`;"
                  " one result a second; replica 1 SIGKILLed after the first third"
                  " (`bench/scale.py`). *lost* counts (viewer, result) pairs never received.",
                  ""]
        lines += table(["measure", "value"],
                       [[name, f"{value:,}" if isinstance(value, int) else str(value)]
                        for name, value in results.scale.items()])
    if results.memory:
        baseline, loaded, connections = results.memory
        lines += ["### Memory per idle connection", "",
                  f"broadcast's RSS (process tree, /proc): {baseline / 1024:,.1f} MiB before,"
                  f" {loaded / 1024:,.1f} MiB with {connections:,} idle subscribed sink"
                  f" connections: {(loaded - baseline) / connections:.1f} KiB each.", ""]
    if results.ingest:
        run = results.ingest
        answers = summarize(answer_times(run.accepted))
        lines += ["### Ingest: one process, closed loop", "",
                  f"{run.workers} concurrent workers over keep-alive connections"
                  " (`bench/http.py`), each event owned by one worker so revisions never"
                  " collide; scoring stopped"
                  " meanwhile. Answer times in ms.", ""]
        lines += table(
            ["seconds", "accepted", "accepted/s", "p50", "p90", "p99", "max", "statuses",
             "load generator CPU"],
            [[f"{run.seconds:.1f}", f"{len(run.accepted):,}", f"{run.per_s:,.1f}",
              *answers.row(1000)[1:], str(run.statuses),
              f"{run.client_cpu_s / run.seconds:.0%} of a core"]])
    if results.media:
        lines += media_section(results.media)
    if results.notes:
        lines += ["### Notes", "", *(f"- {note}" for note in results.notes), ""]
    lines += [f"![{Path(plot).stem}]({plot})" for plot in plots]
    return lines


def _pace(before: dict[str, float] | None, after: dict[str, float] | None) -> list[str]:
    if before is None or after is None:
        return []

    def told(pace: dict[str, float]) -> str:
        return f"p50 {pace['p50_ms']:.0f} ms ({pace['min_ms']:.0f}-{pace['max_ms']:.0f})"

    return [f"The cores' pace: {PACE_ADDITIONS:,} integer additions in one Python thread took"
            f" {told(before)} over {before['tries']:.0f} tries before the run and"
            f" {told(after)} after; figures of runs at different paces are not comparable."]


def _disk(disk: dict[str, float] | None) -> list[str]:
    if disk is None:
        return []
    return [f"The disk before the run: {disk['flushes']:,.0f} flushes of 8 KiB (`fdatasync`, as"
            f" each COMMIT waits for one) took p50 {disk['p50_ms']:.2f}, p99"
            f" {disk['p99_ms']:.1f} and at most {disk['max_ms']:,.1f} ms; a result's way waits"
            " for two (ingest's and scoring's COMMIT)."]


def media_section(media: dict[str, Any]) -> list[str]:
    lines = ["### Media: rendering and the event loop beside it", "",
             f"`bench/media.py`, {media['runs']} runs each. *Cold*: the renderer called"
             " directly; *cached*: the render cache's answer for a version already rendered."
             " Times in ms.", ""]
    lines += table(["output", "bytes", "cold p50", "cold p99", "cached p50", "cached p99"],
                   [[name, f"{media[name]['bytes']:,}",
                     *(f"{media[name][way][q]:,.3f}" for way in ("cold", "cached")
                       for q in ("p50_ms", "p99_ms"))] for name in ("bulletin", "card")])
    lines += ["How late a 2 ms timer on the event loop fired while a burst of event cards and"
              " bulletins rendered (ms): the live fan-out waits as long.", ""]
    lines += table(["rendered in", "p50", "p99"],
                   [[way, f"{lag['p50_ms']:.1f}", f"{lag['p99_ms']:.1f}"]
                    for way, lag in media["loop_lag"].items()])
    return lines


def queue_notes(results: Results) -> list[str]:
    """Whether a queue built through each steady run: the median latency of its first and
    last quarter of results (a server that keeps up has the same in both)."""
    notes = []
    for run in results.latency:
        if not run.load.startswith("steady"):
            continue
        answered = {s.key: s.answered for s in run.submissions if s.status in (0, 202)}
        order = sorted(answered, key=answered.__getitem__)
        quarter = max(1, len(order) // 4)
        first, last = set(order[:quarter]), set(order[-quarter:])
        by_key = run.delivery.by_key
        early = [v for key in first for v in by_key.get(key, [])]
        late = [v for key in last for v in by_key.get(key, [])]
        if early and late:
            notes.append(f"- {run.target}, {run.load}, {run.clients:,} clients: p50 of the"
                         f" first quarter of results {summarize(early).p50 * 1000:.1f} ms,"
                         f" of the last {summarize(late).p50 * 1000:.1f} ms.")
    return [*notes, ""] if notes else []


def overload_notes(results: Results) -> list[str]:
    """Says when a steady load offered more deliveries than the server managed at saturation:
    then latency grows through the run, whatever the server does."""
    notes = []
    for run in results.latency:
        sent = [s.sent for s in run.submissions]
        top = results.top_fanout(run.target)
        if run.load.startswith("steady") and top and len(sent) > 1:
            offered = (len(sent) - 1) / (max(sent) - min(sent)) * run.clients
            if offered > top.per_s:
                notes.append(f"- {run.target}, {run.load}: offers {offered:,.0f} deliveries/s,"
                             f" more than the {top.per_s:,.0f}/s its server delivered at"
                             " saturation: a backlog builds through the run.")
    return [*notes, ""] if notes else []


def latency_plot(results: Results, folder: Path) -> str | None:
    if not results.latency:
        return None
    figure = Figure(figsize=(8, 4.5))
    axes = figure.subplots()
    for run in results.latency:
        values = sorted(v * 1000 for v in run.delivery.latencies)
        if values:
            shares = [(i + 1) / len(values) for i in range(len(values))]
            axes.plot(values, shares, label=f"{run.target}, {run.load}")
    axes.set_xscale("log")
    axes.set_xlim(left=1)
    axes.axvline(100, color="grey", linestyle=":", label="p99 target 100 ms")
    axes.set_xlabel("POST sent -> frame at probe (ms, log scale)")
    axes.set_ylabel("share of (probe, result) pairs")
    axes.set_title(f"End-to-end latency, {results.latency[0].clients:,} clients")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    return _save(figure, folder, "latency.png")


def fanout_plot(results: Results, folder: Path) -> str | None:
    if not results.fanout:
        return None
    figure = Figure(figsize=(8, 4.5))
    axes = figure.subplots()
    for target in ("podium", "floor"):
        steps = sorted((s for s in results.fanout if s.target == target), key=lambda s: s.clients)
        if steps:
            clients = [s.clients for s in steps]
            axes.plot(clients, [s.per_s for s in steps], marker="o", label=f"{target}: delivered")
            axes.plot(clients, [1e6 / s.us_per_delivery if s.us_per_delivery else 0
                                for s in steps],
                      marker="x", linestyle="--", label=f"{target}: per core-second of CPU")
    axes.axhline(100_000, color="grey", linestyle=":", label="target 100,000/s")
    axes.set_xlabel("connected clients")
    axes.set_ylabel("frames delivered per second")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_title("Fan-out of one server process")
    axes.grid(True, alpha=0.3)
    axes.legend()
    return _save(figure, folder, "fanout.png")


def _save(figure: Figure, folder: Path, name: str) -> str:
    # Figure without pyplot: no GUI backend, no global state to close.
    figure.tight_layout()
    figure.savefig(folder / name, dpi=100)
    return f"benchmarks/{name}"
