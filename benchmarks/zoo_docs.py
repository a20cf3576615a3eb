"""The zoo report of docs/zoo.md and the README: every model at 64x64, fp32 and int8, 1 thread, 20 runs.

On a busy machine the run is split across worker processes, one `zoo_report` per model, so that each finished
model is kept even if the run is stopped:

    python benchmarks/zoo_docs.py --worker 0/3 --parts /tmp/zoo_parts &   # likewise 1/3 and 2/3
    python benchmarks/zoo_docs.py --own --parts /tmp/zoo_parts &           # own-size figures, for models not reached
    python benchmarks/zoo_docs.py --parts /tmp/zoo_parts                   # merge into docs/zoo/, docs/zoo.md, README

Without --parts, one process measures the whole zoo into docs/zoo/. A model with no finished part is listed
with the error "not measured", never left out.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from keras_cnns import list_models  # noqa: E402
from keras_cnns.files import replace_between_markers  # noqa: E402
from keras_cnns.paper_accuracy import paper_accuracy  # noqa: E402
from tflite.zoo import COLUMNS, merge_reports, zoo_report  # noqa: E402
from tflite.zoo_summary import picks_markdown, report_markdown  # noqa: E402

SETTINGS = {"input_size": 64, "quantization": ("fp32", "int8"), "threads": 1, "runs": 20}
OUT_DIR = os.path.join(ROOT, "docs", "zoo")
README_START, README_END = "<!-- zoo-summary:start -->", "<!-- zoo-summary:end -->"

INTRO = """# The zoo, measured

`keras-cnns zoo` builds every registered model, counts its parameters and multiply-adds, exports it to fp32
and int8 `.tflite` (builtin ops only) and times each file under LiteRT at batch 1. The charts and the table
below come from `benchmarks/zoo_docs.py` (files in [zoo/](zoo/): `zoo.csv`, `zoo.json`).

- **Input size.** Every model is built at 64x64 (its own channels) so that the run takes minutes, not hours:
  multiply-adds, latency and file sizes are those of the 64x64 model. Parameters and multiply-adds at the
  model's own input size (the paper's) are in the `own` columns and place the bubbles of the first chart. A
  model whose architecture cannot take 64x64 inputs is listed with the builder's error, not built larger.
  The int8 file of a model with a flatten head (AlexNet, ZFNet, VGG, NiN's ImageNet head...) is smaller at 64x64
  than at its own size; the "smallest int8 file" picks skip those models.
- **Paper accuracy.** ImageNet top-1 as each paper reports it for exactly that model
  (`keras_cnns.paper_accuracy`, with the table it comes from); models whose paper reports none (CIFAR and
  MNIST models, variants the paper never trained: `alexnet_single_stream`, SqueezeNet 1.1, VGG with batch
  norm, NiN, All-CNN) have no bubble.
- **Load.** The run below had the machine to itself apart from its own two worker processes, one per core (load
  average 2.8); the latencies are medians of 20 runs on one thread, so compare models with each other, not with
  other machines'. An earlier run under a load average near 21 inflated the fp32 figures of the large models
  10-100x (ResNet-18 60 ms fp32); on this run ResNet-18 took 2.15 ms fp32 and 0.45 ms int8 (2.74 and 0.44 on
  the run before, at load 2.7).
- **int8 files.** `tflite.export`'s default int8 export: a stem convolution of kernel >= 2 x stride + 1 on fewer
  than 8 channels (the ResNets, DenseNets, GoogLeNet, Inception v2, NiN, SqueezeNet 1.0, ZFNet,
  `strided_cnn_a`) is exported as space-to-depth and a stride-1 convolution (docs/edge_models.md). Against the
  run before that change (same settings, load 2.7), those 17 models' int8 medians were 0.93x theirs (0.78x to
  1.23x: single 64x64 runs on a shared machine wander), the other 48 timed models' 0.99x; fp32 0.94x and 0.98x.
- **TFLite Micro column.** Measured on the same int8 file as the latency (float I/O, resizable batch), with
  random weights. Exported with `batch_size=1` and int8 I/O, as docs/micro.md does, more models run; that table
  is the one to read for microcontrollers.
"""


def measured_order() -> list[str]:
    """Models with a paper figure first (those make the bubble chart), then the rest, each by name."""
    return sorted(list_models(), key=lambda name: (paper_accuracy(name) is None, name))


def run_worker(worker: int, workers: int, parts_dir: str) -> None:
    for name in measured_order()[worker::workers]:
        out = os.path.join(parts_dir, name)
        if not os.path.exists(os.path.join(out, "zoo.json")):
            zoo_report(name, out_dir=out, progress=False, **SETTINGS)


def own_size_info(name: str, parts_dir: str) -> dict:
    """model_info(name) at the model's own size, kept in parts_dir/own/ (`--own` fills it ahead of the merge)."""
    from keras_cnns import model_info

    path = os.path.join(parts_dir, "own", f"{name}.json")
    if not os.path.exists(path):
        info = model_info(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as stream:
            json.dump({key: info[key] for key in ("family", "input_shape", "parameters", "flops")}, stream)
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def not_measured_part(names, template: dict, parts_dir: str) -> str:
    """A part listing the models no worker finished, so the table keeps every model: their parameters and
    multiply-adds at their own size (cheap: a build, no export) and the error that says what is missing."""
    rows = []
    for name in names:
        row = dict.fromkeys(COLUMNS)
        accuracy = paper_accuracy(name) or {}
        own = own_size_info(name, parts_dir)
        row.update(model=name, family=own["family"], own_input_shape=list(own["input_shape"]),
                   own_parameters=own["parameters"], own_multiply_adds=own["flops"],
                   paper_top1=accuracy.get("top1"), paper_top5=accuracy.get("top5"),
                   paper_source=accuracy.get("source"),
                   error="not exported or timed: the run was stopped before this model's turn")
        rows.append(row)
    part = {"machine": template["machine"], "settings": {**template["settings"], "pattern": "not measured",
                                                         "seconds": 0.0}, "rows": rows}
    path = os.path.join(parts_dir, "not_measured.json")
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(part, stream)
    return path


def merge_parts(parts_dir: str) -> dict:
    paths = sorted(glob.glob(os.path.join(parts_dir, "*", "zoo.json")))
    if not paths:
        raise SystemExit(f"no finished parts under {parts_dir}")
    done = set()
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            done.update(row["model"] for row in json.load(stream)["rows"])
    missing = [name for name in list_models() if name not in done]
    if missing:
        with open(paths[0], encoding="utf-8") as stream:
            paths.append(not_measured_part(missing, json.load(stream), parts_dir))
    return merge_reports(paths, OUT_DIR)


def write_docs(report: dict) -> None:
    with open(os.path.join(ROOT, "docs", "zoo.md"), "w", encoding="utf-8") as stream:
        stream.write(INTRO + "\n" + report_markdown(report, image_prefix="zoo/"))
    summary = (f"![paper bubbles](docs/zoo/paper_bubbles.png)\n\n{picks_markdown(report)}\n\n"
               f"![int8 latency vs multiply-adds](docs/zoo/int8_latency_vs_multiply_adds.png)")
    replace_between_markers(os.path.join(ROOT, "README.md"), README_START, README_END, summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default=None, help="folder of per-model parts (workers write, the merge reads)")
    parser.add_argument("--worker", default=None, help="I/N: measure every N-th model from the I-th into --parts")
    parser.add_argument("--own", action="store_true",
                        help="only parameters and multiply-adds at each model's own size into --parts (last first)")
    args = parser.parse_args()
    if args.own:
        for name in reversed(measured_order()):
            own_size_info(name, args.parts)
        return
    if args.worker:
        worker, workers = (int(part) for part in args.worker.split("/"))
        run_worker(worker, workers, args.parts)
        return
    report = merge_parts(args.parts) if args.parts else zoo_report(out_dir=OUT_DIR, progress=True, **SETTINGS)
    write_docs(report)


if __name__ == "__main__":
    main()
