"""A drill's evidence as a report: JSON (what the pages and the API show), and PDF with a timeline chart.

Times are seconds from the group's first step; the chart has a lane for where the group was online, one for
what the probe saw (a mark per sample: good or bad), and the steps as ticks.
"""

from fpdf import FPDF

from clusters.operation import drills
from clusters.runtime import Drill

GOOD, BAD, NONE = (46, 125, 50), (198, 40, 40), (158, 158, 158)
LANES = ((21, 101, 192), (251, 140, 0))  # the source's colour, the target's


def report(drill: Drill) -> dict:
    """The evidence, JSON-ready: who or which schedule, when, every step with its time, measured against
    computed, passed or failed."""
    evidence = drill.evidence or {}
    return {
        "cluster": drill.cluster.name,
        "drill": drill.pk,
        "started_by": evidence.get("started_by", ""),
        "schedule": drill.schedule_id,
        "started_at": drill.started_at.isoformat(),
        "finished_at": drill.finished_at.isoformat() if drill.finished_at else None,
        "configuration": evidence.get("configuration", ""),
        "passed": drill.passed,
        "summary": drill.summary,
        "groups": [_group(g) for g in evidence.get("groups", [])],
    }


def _group(found: dict) -> dict:
    steps = found.get("steps", [])
    zero = steps[0]["at"] if steps else 0.0

    def since(at: float) -> float:
        return round(at - zero, 3)

    moves = found.get("moves", [])
    samples = [
        {
            "t": since(s["at"]),
            "leads_to": s["leads_to"],
            "good": drills.good(s, drills.serving(moves, s["at"], found.get("source", ""))),
            "seen": s.get("seen", {}),
        }
        for s in found.get("samples", [])
    ]
    return {
        "name": found["name"],
        "source": found.get("source", ""),
        "target": found.get("target", ""),
        "passed": found.get("passed", False),
        "reason": found.get("reason", ""),
        "probed_by": found.get("probed_by", ""),
        "bound": found.get("bound"),
        "measured": found.get("measured", []),
        "switch": found.get("switch", []),
        "worst_case": (found.get("worst_case") or {}).get("bounds", {}),
        "moves": [
            {"from": m["from"], "to": m["to"], "stop": since(m["stop"]), "online": since(m["online"])}
            if m.get("online")
            else {"from": m["from"], "to": m["to"], "stop": since(m["stop"]), "online": None}
            for m in moves
        ],
        "steps": [{"t": since(s["at"]), "level": s["level"], "what": s["what"]} for s in steps],
        "samples": samples,
    }


def _text(value) -> str:
    """What the PDF's core font can write (Latin-1)."""
    return str(value).replace("\u2192", "->").replace("\u2014", "-").encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(*NONE)
        self.cell(0, 8, f"Cluster WebUI failover drill evidence - page {self.page_no()}", align="C")


def pdf(drill: Drill) -> bytes:
    found = report(drill)
    doc = _Report(orientation="P", unit="mm", format="A4")
    doc.set_auto_page_break(True, margin=15)
    doc.add_page()
    doc.set_font("Helvetica", "B", 16)
    doc.cell(0, 10, _text(f"Failover drill #{found['drill']} - {found['cluster']}"), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=10)
    verdict = "PASSED" if found["passed"] else "FAILED"
    for label, value in (
        ("Result", verdict),
        ("Started by", found["started_by"]),
        ("Started", found["started_at"]),
        ("Finished", found["finished_at"] or "-"),
        ("Configuration", found["configuration"]),
        ("Summary", found["summary"]),
    ):
        doc.set_font("Helvetica", "B", 10)
        doc.cell(32, 6, _text(label))
        doc.set_font("Helvetica", size=10)
        doc.multi_cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")
    for group in found["groups"]:
        _group_pages(doc, group)
    return bytes(doc.output())


def _group_pages(doc: FPDF, group: dict) -> None:
    doc.ln(4)
    doc.set_font("Helvetica", "B", 13)
    verdict = "passed" if group["passed"] else "FAILED"
    doc.cell(0, 8, _text(f"Group {group['name']}: {verdict}"), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=10)
    measured = ", ".join("never back" if m is None else f"{m:g} s" for m in group["measured"]) or "not probed"
    bound = "-" if group["bound"] is None else f"{group['bound']:g} s"
    switch = ", ".join(f"{s:g} s" for s in group["switch"]) or "-"
    for line in (
        f"{group['source']} -> {group['target']} and back; probed by {group['probed_by'] or '-'}",
        f"Measured outage (client-perceived): {measured}",
        f"Computed worst case of a move: {bound}; AWS-side switch: {switch}",
        f"Verdict: {group['reason']}",
    ):
        doc.multi_cell(0, 6, _text(line), new_x="LMARGIN", new_y="NEXT")
    if group["steps"]:
        _timeline(doc, group)
    doc.set_font("Helvetica", "B", 10)
    doc.cell(20, 6, "t (s)")
    doc.cell(0, 6, "Step", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=9)
    for step in group["steps"]:
        doc.set_text_color(*(BAD if step["level"] == "error" else (0, 0, 0)))
        doc.cell(20, 5, f"{step['t']:.2f}")
        doc.multi_cell(0, 5, _text(step["what"]), new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0, 0, 0)


def _timeline(doc: FPDF, group: dict) -> None:
    """Three lanes over the drill's seconds: where the group was online, what each probe sample saw, the steps."""
    end = max([s["t"] for s in group["steps"]] + [s["t"] for s in group["samples"]] + [1.0])
    left, width, lane = doc.l_margin + 28, doc.w - doc.l_margin - doc.r_margin - 28, 7
    if doc.get_y() + 4 * lane + 12 > doc.h - 15:
        doc.add_page()
    top = doc.get_y() + 2

    def x(t: float) -> float:
        return left + width * max(0.0, t) / end

    doc.set_font("Helvetica", size=8)
    for i, label in enumerate(("Online on", "Probe", "Steps")):
        doc.set_xy(doc.l_margin, top + i * lane + 1)
        doc.cell(28, lane - 2, label)
    colours = {group["source"]: LANES[0], group["target"]: LANES[1]}
    spans, where, since = [], group["source"], 0.0
    for move in group["moves"]:
        spans.append((since, move["stop"], where))
        if move["online"] is None:
            where = None
            break
        where, since = move["to"], move["online"]
    if where is not None:
        spans.append((since, end, where))
    for start, stop, server in spans:
        doc.set_fill_color(*colours.get(server, NONE))
        doc.rect(x(start), top + 1, max(0.3, x(stop) - x(start)), lane - 2, style="F")
        doc.set_text_color(255, 255, 255)
        doc.set_xy(x(start), top + 1)
        doc.cell(max(0.3, x(stop) - x(start)), lane - 2, _text(server) if x(stop) - x(start) > 14 else "")
    doc.set_text_color(0, 0, 0)
    for sample in group["samples"]:
        doc.set_fill_color(*(GOOD if sample["good"] else BAD))
        doc.rect(x(sample["t"]) - 0.6, top + lane + 1.5, 1.2, lane - 3, style="F")
    doc.set_draw_color(*NONE)
    for step in group["steps"]:
        doc.line(x(step["t"]), top + 2 * lane + 1, x(step["t"]), top + 3 * lane - 1)
    doc.line(left, top + 3 * lane, left + width, top + 3 * lane)
    for tick in range(0, 6):
        t = end * tick / 5
        doc.set_xy(x(t) - 6, top + 3 * lane)
        doc.cell(12, 4, f"{t:.1f} s", align="C")
    doc.set_xy(doc.l_margin, top + 3 * lane + 6)
