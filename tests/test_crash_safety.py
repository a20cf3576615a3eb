"""Training killed with SIGKILL at chosen moments (real subprocesses) completes on the rerun, nothing torn.

The full sweep of kill points is `benchmarks/kill_training.py`; here three moments of a 2-epoch run: in the middle
of the first epoch's backup write, just after the last epoch's backup (before curves and test score), and with
the newest backup torn afterwards as a kill inside Keras' own in-place write used to leave it.
"""

import importlib.util
import json
import os
import shutil


from keras_cnns import cli

SPEC = importlib.util.spec_from_file_location(
    "kill_training", os.path.join(os.path.dirname(__file__), "..", "benchmarks", "kill_training.py"))
kill_training = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(kill_training)

EPOCHS = 2
# Tripwire counts of a clean 2-epoch run (kill_training.count_events): run.json is the 1st rename, then per
# epoch history, best.keras, backup weights and backup metadata; the 9th rename commits the last epoch's backup.
AFTER_LAST_BACKUP = ("replace", 9)
# best.keras and the backup write about 31 h5 datasets each per epoch: the 45th is inside epoch 1's backup.
INSIDE_FIRST_BACKUP = ("h5", 45)


def test_kill_inside_the_backup_write_is_resumed_to_a_complete_run(tmp_path):
    result = kill_training.trial(str(tmp_path), EPOCHS, *INSIDE_FIRST_BACKUP)
    assert result["problems"] == []
    assert result["committed_epochs"] == 0  # the torn write never became the backup


def test_torn_newest_backup_falls_back_to_the_one_before_and_the_run_completes(tmp_path, capsys):
    out_dir = str(tmp_path / "run")
    killed = kill_training._run(kill_training.train_argv(out_dir, EPOCHS), kill=list(AFTER_LAST_BACKUP))
    assert killed.returncode == -9
    assert not os.path.exists(os.path.join(out_dir, "training_curves.png"))
    backup = os.path.join(out_dir, "backup")
    assert json.load(open(os.path.join(backup, "training_metadata.json")))["epoch"] == EPOCHS
    newest = os.path.join(backup, f"epoch-{EPOCHS}.weights.h5")
    with open(newest, "r+b") as handle:  # as the issue measured: 11,616 bytes of a torn weights file
        handle.truncate(11_616)

    assert cli.main(kill_training.train_argv(out_dir, EPOCHS)) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert f"keras-cnns: warning: training backup {newest!r} cannot be read (OSError); falling back" in captured.err
    assert "Epoch 2/2" in printed and "Epoch 1/2" not in printed  # only the epoch whose backup was torn
    assert kill_training.check_complete(out_dir, EPOCHS) == []

    assert cli.main(kill_training.train_argv(out_dir, EPOCHS)) == 2
    assert "already holds a finished run" in capsys.readouterr().err


def test_corrupt_run_records_are_refused_in_one_line_naming_the_file(tmp_path, capsys):
    out_dir = tmp_path / "run"
    (out_dir / "backup").mkdir(parents=True)
    settings = {"model": "lenet5_modern", "recipe": "modern", "epochs": EPOCHS, "batch_size": 32, "data": "digits"}
    (out_dir / "run.json").write_text(json.dumps({"settings": settings, "finished": False}))
    metadata = out_dir / "backup" / "training_metadata.json"
    metadata.write_bytes(b'{"epoch": 1, "wei')
    assert cli.main(kill_training.train_argv(str(out_dir), EPOCHS)) == 2
    error = capsys.readouterr().err
    assert str(metadata) in error and "delete the out_dir" in error and len(error.strip().splitlines()) == 1
    assert metadata.read_bytes() == b'{"epoch": 1, "wei'  # nothing already written is lost

    (out_dir / "run.json").write_text("not json")
    assert cli.main(kill_training.train_argv(str(out_dir), EPOCHS)) == 2
    error = capsys.readouterr().err
    assert str(out_dir / "run.json") in error and len(error.strip().splitlines()) == 1
    shutil.rmtree(out_dir)
