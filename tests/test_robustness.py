"""Every bad input is refused at the door in one line: the sweep of benchmarks/bad_inputs.py (>= 250 real API and
CLI calls, each with the argument its error must name), and real `keras-cnns` processes that stay quiet."""

import importlib.util
import os
import sys

SPEC = importlib.util.spec_from_file_location(
    "bad_inputs", os.path.join(os.path.dirname(__file__), "..", "benchmarks", "bad_inputs.py"))
bad_inputs = sys.modules[SPEC.name] = importlib.util.module_from_spec(SPEC)  # its dataclass looks itself up
SPEC.loader.exec_module(bad_inputs)


def test_every_bad_input_is_refused_naming_its_argument_and_writes_nothing(tmp_path):
    report = bad_inputs.sweep(str(tmp_path), subprocesses=0)
    results = report["results"]
    assert len(results) >= 250
    failures = [f"{r['outcome']}: {r['case']}: {r['detail'][:200]}" for r in results if r["outcome"] != "ok"]
    assert failures == []
    assert report["written_by_refused_calls"] == []


def test_real_cli_processes_print_one_line_errors_and_no_tensorflow_logs(tmp_path):
    fixtures = bad_inputs.Fixtures(str(tmp_path))
    for argv in (["list", "zzz*"], ["bench", fixtures.random_tflite], ["train", "lenet5_modern", "--epochs", "x"]):
        outcome, detail = bad_inputs.run_cli_subprocess(bad_inputs.Case("cli", argv=argv))
        assert outcome == "ok", (argv, detail)
        assert detail.startswith("keras-cnns") and "I0000" not in detail
