"""The zoo report's PNG charts (matplotlib, Agg backend): the papers' bubble chart and two measured latency charts."""

from __future__ import annotations

import os

BUBBLE_AREA_PER_MILLION_PARAMETERS = 12.0  # points^2; VGG-16's 138 M parameters -> a ~1,700 pt^2 bubble

def _figure(title, xlabel, ylabel):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(12, 8), dpi=110)
    axes.set_title(title, fontsize=11)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(True, which="both", alpha=0.25)
    return figure, axes

def _family_colours(rows) -> dict:
    import matplotlib

    families = sorted({row["family"] for row in rows if row["family"]})
    palette = matplotlib.colormaps["tab20"]
    # tab20 pairs a dark and a light shade of each hue: the ten dark shades first, then the light ones.
    return {family: palette((2 * index) % 20 + (2 * index // 20) % 2) for index, family in enumerate(families)}

def _label(axes, points, names):
    """One legible label per point, moved off each other and off the points by adjustText."""
    from adjustText import adjust_text

    if not points:
        axes.text(0.5, 0.5, "no model in this report has these figures", transform=axes.transAxes, ha="center")
        return

    texts = [axes.text(x, y, name, fontsize=7) for (x, y), name in zip(points, names)]
    adjust_text(texts, x=[x for x, _ in points], y=[y for _, y in points], ax=axes,
                arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.5}, expand=(1.2, 1.4))

def _legend(axes, colours, rows):
    shown = {row["family"] for row in rows}
    handles = [axes.scatter([], [], color=colour, s=40, label=family)
               for family, colour in colours.items() if family in shown]
    handles += [line for line in axes.get_lines() if not line.get_label().startswith("_")]
    axes.legend(handles=handles, title="family", fontsize=8, loc="best", ncol=2)

def _save(figure, path) -> str:
    import matplotlib.pyplot as plt

    temporary = f"{path}.tmp.png"
    figure.savefig(temporary, bbox_inches="tight")
    plt.close(figure)
    os.replace(temporary, path)
    return path

def _caption(report) -> str:
    machine, settings = report["machine"], report["settings"]
    size = f"{settings['input_size']}x{settings['input_size']} inputs" if settings["input_size"] else "own input sizes"
    return (f"{machine['cpu']}, {settings['threads']} thread(s), batch 1, {settings['runs']} runs, {size}, "
            f"load average {machine['load_average'][0]}")

def paper_bubbles(report, path) -> str:
    """x: multiply-adds at the model's own input size (log), y: the paper's ImageNet top-1, area: parameters."""
    rows = [row for row in report["rows"] if row["paper_top1"] is not None and row["own_multiply_adds"]]
    colours = _family_colours(report["rows"])
    figure, axes = _figure("ImageNet top-1 reported by each paper vs multiply-adds (bubble area: parameters)",
                           "multiply-adds per image at the model's own input size", "paper top-1 accuracy (%)")
    axes.set_xscale("log")
    points = [(row["own_multiply_adds"], row["paper_top1"]) for row in rows]
    axes.scatter([x for x, _ in points], [y for _, y in points],
                 s=[BUBBLE_AREA_PER_MILLION_PARAMETERS * row["own_parameters"] / 1e6 + 8 for row in rows],
                 c=[colours[row["family"]] for row in rows], alpha=0.55, edgecolors="black", linewidths=0.5)
    _label(axes, points, [row["model"] for row in rows])
    _legend(axes, colours, rows)
    return _save(figure, path)

def latency_vs_multiply_adds(report, path, mode="int8") -> str:
    rows = [row for row in report["rows"] if row[f"{mode}_median_ms"] is not None]
    colours = _family_colours(report["rows"])
    figure, axes = _figure(f"Measured LiteRT {mode} latency vs multiply-adds — {_caption(report)}",
                           "multiply-adds per image at the measured input size", f"{mode} median latency (ms)")
    axes.set_xscale("log")
    axes.set_yscale("log")
    points = [(row["multiply_adds"], row[f"{mode}_median_ms"]) for row in rows]
    axes.scatter([x for x, _ in points], [y for _, y in points], c=[colours[row["family"]] for row in rows],
                 s=30, edgecolors="black", linewidths=0.4)
    _label(axes, points, [row["model"] for row in rows])
    _legend(axes, colours, rows)
    return _save(figure, path)

def int8_vs_fp32(report, path) -> str:
    rows = [row for row in report["rows"] if row["int8_median_ms"] is not None and row["fp32_median_ms"] is not None]
    colours = _family_colours(report["rows"])
    figure, axes = _figure(f"LiteRT int8 vs fp32 latency — {_caption(report)}", "fp32 median latency (ms)",
                           "int8 median latency (ms)")
    axes.set_xscale("log")
    axes.set_yscale("log")
    points = [(row["fp32_median_ms"], row["int8_median_ms"]) for row in rows]
    if points:
        low = min(min(p) for p in points) / 1.5
        high = max(max(p) for p in points) * 1.5
        axes.plot([low, high], [low, high], color="0.4", linestyle="--", linewidth=0.8, label="int8 = fp32")
    axes.scatter([x for x, _ in points], [y for _, y in points], c=[colours[row["family"]] for row in rows],
                 s=30, edgecolors="black", linewidths=0.4)
    _label(axes, points, [row["model"] for row in rows])
    _legend(axes, colours, rows)
    return _save(figure, path)

def write_charts(report, out_dir) -> list[str]:
    from tflite.zoo import CHARTS

    bubbles, latency, versus = (os.path.join(out_dir, name) for name in CHARTS)
    return [paper_bubbles(report, bubbles), latency_vs_multiply_adds(report, latency), int8_vs_fp32(report, versus)]
