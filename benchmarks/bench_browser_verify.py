"""The in-browser draw verifier (generator/static/js/sunlight-draw.js) on a 20,000-object frame.

    python benchmarks/bench_browser_verify.py [--repeat 5] [--chromium /usr/bin/chromium]

Issue #3's target: `computeDraw` over a 20,000-object frame with 3 strata and 60 inspectors
in 3 departments in under 3 s in headless Chromium. The case is the one
tests/browser/test_draw_verifier_js.py checks for correctness (there it is compared with
the Python engine; here it is only timed): Debian's Chromium, driven by Playwright, loads
the module from a local HTTP server, runs one warm-up draw on 50 objects, then the full draw
`--repeat` times. The median and every run go to stdout and benchmarks/out/bench_browser_verify.json;
the Python engine's time for the same draw is printed beside it.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from _common import REPO, describe, machine, save

TARGET_SECONDS = 3.0
SPEC = "sunlight-draw/1"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def case() -> dict[str, Any]:
    """Frame, roster, exclusions and earlier selections as the browser test builds them."""
    from generator.draw.canonical import EXCLUSIONS_HEADER, FRAME_HEADER, ROSTER_HEADER, canonical_csv, sha256_hex

    frame = [[f"91370{i:013d}", "high" if i % 10 == 0 else "watch" if i % 10 == 1 else "general"]
             for i in range(20000)]
    inspectors = [[f"ZF{d.upper()}{i:04d}", d] for d in ("scjg", "yjgl", "xfjy") for i in range(20)]
    exclusions = [[frame[i][0], inspectors[i % 60][0]] for i in range(0, 20000, 37)]

    def digest(header: str, rows: list[list[str]]) -> dict[str, Any]:
        ordered = sorted(rows, key=lambda r: (r[0].encode(), r[1].encode()))
        return {"sha256": sha256_hex(canonical_csv(header, ordered).encode()), "rows": len(rows)}

    manifest = {
        "spec": SPEC, "task_id": "ZB-T-PERF", "year": 2026, "cap_per_year": 2,
        "frame": digest(FRAME_HEADER, frame),
        "strata": [{"id": "high", "ratio_bp": 2000}, {"id": "watch", "count": 300},
                   {"id": "general", "ratio_bp": 500}],
        "beacon": {"source": "dice", "round": 0}, "previous": "0" * 64,
        "inspectors": digest(ROSTER_HEADER, inspectors), "exclusions": digest(EXCLUSIONS_HEADER, exclusions),
        "team": {"departments": [{"id": "scjg", "size": 2}, {"id": "yjgl", "size": 1}, {"id": "xfjy", "size": 1}]},
    }
    return {"manifest": manifest, "beacon_value": "3141592653589793238462643383279", "frame": frame,
            "inspectors": inspectors, "exclusions": exclusions,
            "prior": [frame[i][0] for i in range(0, 20000, 41)] * 2}


RUN = """async (arg) => {
    const sd = await import('/js/sunlight-draw.js');
    await sd.computeDraw({manifest: arg.manifest, beaconValue: 'warm-up', frame: arg.frame.slice(0, 50),
        inspectors: arg.inspectors, exclusions: [], prior: []});
    const times = [];
    let selected = 0;
    for (let i = 0; i < arg.repeat; i++) {
        const t0 = performance.now();
        const result = await sd.computeDraw({manifest: arg.manifest, beaconValue: arg.beacon_value,
            frame: arg.frame, inspectors: arg.inspectors, exclusions: arg.exclusions, prior: arg.prior});
        times.push(performance.now() - t0);
        selected = result.selected.length;
    }
    return {times, selected};
}"""


def browser_seconds(inputs: dict[str, Any], repeat: int, chromium: Path) -> tuple[list[float], int]:
    from playwright.sync_api import sync_playwright

    root = REPO / "generator" / "static"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
            page = browser.new_page()
            host, port = server.server_address[:2]
            page.goto(f"http://{host!s}:{port}/js/sunlight-draw.js")  # an origin for the module import
            out = page.evaluate(RUN, {**inputs, "repeat": repeat})
            browser.close()
    finally:
        server.shutdown()
    return [ms / 1000 for ms in out["times"]], int(out["selected"])


def python_seconds(inputs: dict[str, Any]) -> float:
    from collections import Counter

    from generator.draw.engine import draw

    started = time.perf_counter()
    draw(inputs["manifest"], inputs["beacon_value"], [tuple(r) for r in inputs["frame"]],
         Counter(inputs["prior"]), [tuple(r) for r in inputs["inspectors"]],
         [tuple(r) for r in inputs["exclusions"]])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chromium", type=Path, default=Path("/usr/bin/chromium"))
    args = parser.parse_args()
    inputs = case()
    runs, selected = browser_seconds(inputs, args.repeat, args.chromium)
    median = statistics.median(runs)
    reference = python_seconds(inputs)
    print(describe(machine()))
    print(f"computeDraw, 20,000-object frame ({selected} selected), {args.repeat} runs in headless Chromium:")
    print("  " + ", ".join(f"{s:.3f} s" for s in runs))
    verdict = "met" if median < TARGET_SECONDS else "NOT met"
    print(f"  median {median:.3f} s (target {TARGET_SECONDS:.0f} s: {verdict}); Python engine: {reference:.3f} s")
    save("bench_browser_verify", {"runs": runs, "median": median, "selected": selected,
                                  "python_seconds": reference, "target": TARGET_SECONDS})


if __name__ == "__main__":
    main()
