"""`keras-cnns zoo` and keras_cnns.paper_accuracy: the report's table against model_info and a fresh export, the
charts, failures kept in the table, bad arguments."""

import csv
import importlib.util
import json
import os

import pytest
from PIL import Image

import keras_cnns
import tflite
from keras_cnns import cli
from keras_cnns.paper_accuracy import PAPER_ACCURACY, paper_accuracy
from tflite.zoo import CHARTS, COLUMNS, merge_reports, zoo_report

PATTERN = "lenet5*"  # lenet5 and lenet5_modern, 32x32x1: seconds to export and time


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp("zoo"))
    return zoo_report(PATTERN, runs=3, out_dir=out_dir, progress=False), out_dir


def test_report_has_a_row_per_matching_model_with_every_column(report):
    result, out_dir = report
    with open(os.path.join(out_dir, "zoo.csv"), newline="") as stream:
        table = list(csv.DictReader(stream))
    assert tuple(table[0]) == COLUMNS
    assert [row["model"] for row in table] == keras_cnns.list_models(PATTERN) == ["lenet5", "lenet5_modern"]
    with open(os.path.join(out_dir, "zoo.json")) as stream:
        saved = json.load(stream)
    assert saved["rows"] == result["rows"]
    assert saved["settings"]["runs"] == 3 and saved["settings"]["quantization"] == ["fp32", "int8"]
    assert saved["machine"]["cpu"] and isinstance(saved["machine"]["avx512_vnni"], bool)
    assert len(saved["machine"]["load_average"]) == 3
    for row, csv_row in zip(result["rows"], table):
        assert row["error"] is None and csv_row["error"] == ""
        assert int(csv_row["parameters"]) == row["parameters"]


def test_numbers_agree_with_model_info_and_a_fresh_export(report):
    result, _ = report
    for row in result["rows"]:
        info = keras_cnns.model_info(row["model"])
        assert row["family"] == info["family"] == "lenet"
        assert row["parameters"] == row["own_parameters"] == info["parameters"]
        assert row["multiply_adds"] == row["own_multiply_adds"] == info["flops"]
        assert tuple(row["input_shape"]) == info["input_shape"] == (32, 32, 1)
        fresh = len(tflite.convert(keras_cnns.get_model(row["model"])))
        assert abs(row["fp32_bytes"] - fresh) <= 64  # only the tensor names' counters (conv2d_1, ...) may differ
        assert row["fp32_bytes"] > 4 * row["parameters"]  # float32 weights
        assert row["int8_bytes"] < 0.4 * row["fp32_bytes"]  # 8-bit weights
        assert row["builtin_ops_only"] is True
        for mode in ("fp32", "int8"):
            assert 0 < row[f"{mode}_median_ms"] <= row[f"{mode}_p90_ms"]
        assert row["paper_top1"] is None and paper_accuracy(row["model"]) is None  # MNIST models: no ImageNet figure
        if importlib.util.find_spec("tflite.micro") is None:
            assert row["micro_runs"] == "n/a"
        else:
            assert row["micro_runs"] in (True, False)


def test_charts_are_valid_pngs(report):
    result, out_dir = report
    for name in CHARTS:
        path = os.path.join(out_dir, name)
        assert path in result["files"]
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.width > 500 and image.height > 300
            image.verify()


def test_a_model_that_fails_stays_in_the_table_with_its_error(tmp_path):
    def export_refusing_modern(model, path, *args, **kwargs):
        if model.name == "lenet5_modern":
            raise ValueError("model 'lenet5_modern' needs ops that TFLite's builtin op set lacks (tf select ops: Foo)")
        return tflite.export(model, path, *args, **kwargs)

    result = zoo_report(PATTERN, quantization="fp32", runs=2, out_dir=str(tmp_path), progress=False,
                        export=export_refusing_modern)
    rows = {row["model"]: row for row in result["rows"]}
    assert rows["lenet5"]["error"] is None and rows["lenet5"]["fp32_bytes"] > 0
    modern = rows["lenet5_modern"]
    assert modern["error"].startswith("ValueError: ") and "tf select ops: Foo" in modern["error"]
    assert modern["builtin_ops_only"] is False and modern["fp32_bytes"] is None
    assert modern["parameters"] == keras_cnns.model_info("lenet5_modern")["parameters"]  # measured before it failed
    with open(tmp_path / "zoo.csv", newline="") as stream:
        assert "tf select ops: Foo" in {row["model"]: row for row in csv.DictReader(stream)}["lenet5_modern"]["error"]


def test_a_size_the_model_cannot_take_is_reported_per_model(tmp_path):
    # LeNet-5's valid 5x5 convolutions and two poolings need at least 28x28: at 8x8 the build itself fails.
    result = zoo_report("lenet5", input_size=8, quantization="int8", runs=2, out_dir=str(tmp_path), progress=False)
    (row,) = result["rows"]
    assert row["error"] and row["parameters"] is None and row["int8_bytes"] is None
    assert row["own_parameters"] == keras_cnns.model_info("lenet5")["parameters"]


@pytest.mark.parametrize("arguments, message", [
    ({"pattern": "no_such_model*"}, "pattern must match at least one registered model"),
    ({"input_size": 0}, "input_size must be an integer >= 1; got 0"),
    ({"quantization": "foo"}, "quantization must hold only 'fp32', 'int8'"),
    ({"quantization": "fp32,int4"}, "got 'int4'"),
    ({"runs": 0}, "runs must be an integer >= 1"),
])
def test_bad_arguments_are_refused_before_anything_is_written(tmp_path, arguments, message):
    out_dir = tmp_path / "never"
    with pytest.raises(ValueError, match=message):
        zoo_report(**{"pattern": PATTERN, "out_dir": str(out_dir), **arguments})
    assert not out_dir.exists()


@pytest.mark.parametrize("argv, message", [
    (["--pattern", "no_such_model*"], "matches none"),
    (["--input-size", "0"], "input_size must be an integer >= 1"),
    (["--input-size", "big"], "--input-size must be a positive integer"),
    (["--quantization", "foo"], "quantization must hold only"),
])
def test_cli_bad_arguments_are_one_line_errors(tmp_path, capsys, argv, message):
    assert cli.main(["zoo", "--pattern", PATTERN, "--out", str(tmp_path / "never"), *argv]) == 2
    error = capsys.readouterr().err
    assert error.startswith("keras-cnns zoo: error: ") and message in error and error.count("\n") == 1
    assert not (tmp_path / "never").exists()


def test_paper_accuracy_names_registered_models_with_cited_percentages():
    registered = set(keras_cnns.list_models())
    assert set(PAPER_ACCURACY) <= registered
    for name, entry in PAPER_ACCURACY.items():
        assert set(entry) == {"top1", "top5", "source"} and "Table" in entry["source"]
        assert entry["top1"] is not None or entry["top5"] is not None
        for key in ("top1", "top5"):
            assert entry[key] is None or 0 < entry[key] < 100
        if entry["top1"] is not None and entry["top5"] is not None:
            assert entry["top5"] > entry["top1"]
    assert paper_accuracy("resnet20") is None  # CIFAR-10 model: its paper reports no ImageNet figure
    copy = paper_accuracy("resnet50")
    copy["top1"] = 0
    assert paper_accuracy("resnet50")["top1"] == 77.15
    with pytest.raises(TypeError, match="name must be str"):
        paper_accuracy(50)


def test_parts_merge_into_one_report_and_overlaps_are_refused(report, tmp_path):
    result, out_dir = report
    paths = []
    for index, row in enumerate(result["rows"]):
        part = {**result, "rows": [row], "settings": {**result["settings"], "pattern": row["model"]}}
        part.pop("files")
        paths.append(str(tmp_path / f"part{index}.json"))
        with open(paths[-1], "w") as stream:
            json.dump(part, stream)
    merged = merge_reports(paths[::-1], str(tmp_path / "merged"))
    assert merged["rows"] == result["rows"]  # sorted by model again
    assert [part["pattern"] for part in merged["settings"]["parts"]] == ["lenet5_modern", "lenet5"]
    with open(tmp_path / "merged" / "zoo.md") as stream:
        assert "as 2 parts run side by side (patterns lenet5_modern; lenet5); the load" in stream.read()
    with pytest.raises(ValueError, match="lenet5, lenet5_modern appear more than once"):
        merge_reports([os.path.join(out_dir, "zoo.json")] * 2, str(tmp_path / "twice"))


def test_picks_name_the_best_model_under_each_budget_and_above_each_floor():
    from tflite.zoo_summary import picks_markdown

    def row(model, top1, multiply_adds, int8_bytes, parameters=1000):
        return {"model": model, "paper_top1": top1, "own_multiply_adds": multiply_adds, "int8_bytes": int8_bytes,
                "parameters": parameters, "own_parameters": 1000, "int8_median_ms": 1.5}

    rows = [row("small", 61.0, 40e6, 2e6), row("mid", 71.0, 140e6, 5e6), row("big", 76.0, 500e6, 9e6),
            row("flatten_head", 77.0, 400e6, 1e6, parameters=10)]  # its file is not the paper model's size
    budget_table, floor_table = picks_markdown({"rows": rows}).split("\n\n")
    assert budget_table.splitlines()[2:] == [
        "| ≤ 50 M | 61.0 % | `small` | 40 M |", "| ≤ 150 M | 71.0 % | `mid` | 140 M |",
        "| ≤ 600 M | 77.0 % | `flatten_head` | 400 M |", "| ≤ 2,000 M | 77.0 % | `flatten_head` | 400 M |",
        "| ≤ 6,000 M | 77.0 % | `flatten_head` | 400 M |"]
    assert floor_table.splitlines()[1] == "|---:|---:|---|---:|---:|"
    assert floor_table.splitlines()[2:] == [  # no row for 78 %: no model reaches it
        "| 60 % | 2.00 MB | `small` | 61.0 % | 1.5 ms |", "| 70 % | 5.00 MB | `mid` | 71.0 % | 1.5 ms |",
        "| 75 % | 9.00 MB | `big` | 76.0 % | 1.5 ms |"]
