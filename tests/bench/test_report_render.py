"""Benchmark: the signed acceptance report of a 60-indicator framework, rendered and stored by
`render_report`, beside WeasyPrint's own time for the same HTML.

Prints figures and asserts nothing about speed — only that both produce a PDF. `render_report`
does more than WeasyPrint: it reads the acceptance sheet (the framework, the team's and the
self-assessment's scores, the records behind the computed items, the survey), computes the content
digest and the QR code, renders the template, and stores the file with its hashes and an audit
event. The ratio says how much of the time is WeasyPrint's.

    .venv/bin/python -m pytest tests/bench/test_report_render.py -s -q -p no:randomly
"""

import statistics
import time

import pytest
import weasyprint

from assessments import report
from assessments.models import Indicator
from tests.assessments.test_report import media, signed_acceptance  # noqa: F401 (media: a fixture)

pytestmark = pytest.mark.django_db

EXTRA_ITEMS = 54  # + the six of the test framework = 60 indicators
RUNS = 7


def interleaved_ms(funcs: dict, runs: int = RUNS) -> dict[str, tuple[float, object]]:
    """The median time of each function, run in turn (so a busy moment on a shared machine
    slows all of them alike), after one warm-up each (fonts loaded, templates compiled)."""
    results = {name: func() for name, func in funcs.items()}
    timings: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(runs):
        for name, func in funcs.items():
            started = time.perf_counter()
            results[name] = func()
            timings[name].append((time.perf_counter() - started) * 1000)
    return {name: (statistics.median(timings[name]), results[name]) for name in funcs}


def test_report_render_beside_weasyprint(tree, cast):
    built = signed_acceptance(tree, cast, extra_manual=EXTRA_ITEMS)
    indicators = Indicator.objects.filter(dimension__framework__campaign=built.campaign).count()
    html, _digest = report.report_html(built.acceptance)

    timed = interleaved_ms(
        {
            "render": lambda: report.render_report(built.acceptance, force=True),
            "html": lambda: report.report_html(built.acceptance),
            "weasy": lambda: weasyprint.HTML(string=html).write_pdf(),
        }
    )
    (render_ms, rendered), (html_ms, _), (weasy_ms, pdf) = timed["render"], timed["html"], timed["weasy"]

    assert rendered.report_sha256 and pdf.startswith(b"%PDF")
    pages = len(weasyprint.HTML(string=html).render().pages)
    print(
        f"\n验收报告：{indicators} 项考核内容，{len(built.acceptance.team.all())} 名组员，{pages} 页"
        f"（{RUNS} 次取中位数）\n"
        f"  render_report（读评分表、算校验码、渲染、存储）  {render_ms:9.1f} ms\n"
        f"    其中读评分表、生成 HTML（report_html）          {html_ms:9.1f} ms\n"
        f"  WeasyPrint 同一 HTML → PDF                      {weasy_ms:9.1f} ms\n"
        f"  比值 render_report / WeasyPrint                 {render_ms / weasy_ms:9.2f}"
    )
