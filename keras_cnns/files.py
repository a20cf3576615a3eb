"""Crash-safe file writes: every file the package writes goes through a temporary file in the same folder,
flushed, fsynced and renamed over its target, so a killed process leaves either the old file or the new one.

Temporaries are named `.<target name>.<pid>.<random>.tmp<suffix>`; the next write to the same target removes
the ones whose process is gone (left by a kill), never those of a live writer.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import secrets


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(path) -> list[str]:
    """Delete the temporaries of `path` left by writers that were killed; returns the removed paths."""
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    pattern = re.compile(rf"^\.{re.escape(name)}\.(\d+)\.[0-9a-f]+\.tmp")
    removed = []
    for candidate in glob.glob(os.path.join(glob.escape(folder), f".{glob.escape(name)}.*.tmp*")):
        match = pattern.match(os.path.basename(candidate))
        if match and not _process_alive(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):
                os.remove(candidate)
                removed.append(candidate)
    return removed


def check_writable_path(name: str, path) -> str:
    """`path` as a str whose folder exists and which is not a folder itself (`name` is the argument's name)."""
    if isinstance(path, (bytes, bytearray)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path (str or os.PathLike); got {path!r} of type {type(path).__name__}")
    path = os.fspath(path)
    if not path:
        raise ValueError(f"{name} must be a file path; got the empty string")
    if os.path.isdir(path):
        raise ValueError(f"{name} must be a file path, not a folder; got {path!r}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"{name} must be in an existing folder; {folder!r} of {path!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{name} {path!r} cannot be written: its folder {folder!r} is not writable")
    return path


@contextlib.contextmanager
def atomic_path(path, suffix: str = ""):
    """Yield a temporary path beside `path` to write to; on success it is fsynced and renamed over `path`.

    `suffix` is appended to the temporary name for writers that insist on an extension (".keras",
    ".weights.h5"). If nothing was written to the temporary, `path` is left as it is. On any exception
    (KeyboardInterrupt included) the temporary is removed and `path` is untouched.
    The file gets the mode any newly created file gets under the umask.
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    remove_stale_temporaries(path)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp{suffix}")
    try:
        yield temporary
        if not os.path.exists(temporary):  # the body chose not to write: `path` stays as it is
            return
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
        with contextlib.suppress(OSError):  # the rename itself is durable once the folder is synced
            descriptor = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        if isinstance(err, OSError) and err.filename == temporary:  # name the file asked for, not our temporary
            raise OSError(err.errno, f"{err.strerror}: cannot write", path) from None
        raise


def write_atomically(path, content: bytes | str) -> None:
    """Write `content` to `path` through a temporary file and a rename (never a partial `path`)."""
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as stream:
            stream.write(content.encode("utf-8") if isinstance(content, str) else content)
            stream.flush()


def write_json(path, value) -> None:
    write_atomically(path, json.dumps(value, indent=1) + "\n")


def read_json(path, what: str, remedy: str):
    """A JSON file the package wrote; a ValueError naming the file, `what` it is and the `remedy` if unreadable."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{what} {os.fspath(path)!r} cannot be read ({type(err).__name__}: {err}); {remedy}") from None


def load_keras_file(path, argument: str = "model"):
    """A `.keras` file loaded with safe_mode=True; a ValueError naming `argument` when it is missing, not a zip
    archive or not a loadable Keras model (truncated, corrupt, written by something else)."""
    import zipfile

    import keras

    import keras_cnns  # noqa: F401  registers the zoo's custom layers

    path = os.fspath(path)
    if not (os.path.isfile(path) and path.endswith(".keras")):
        raise ValueError(f"{argument} must be a keras.Model or an existing .keras file; got {path!r}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{argument} file {path!r} is not a .keras archive (not a zip file: truncated or corrupt?)")
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as err:  # Keras raises ValueError, KeyError, OSError, zipfile errors... for a bad archive
        detail = str(err).strip().splitlines()[0] if str(err).strip() else "no detail"
        raise ValueError(f"{argument} file {path!r} cannot be loaded as a Keras model ({type(err).__name__}: "
                         f"{detail})") from None


def replace_between_markers(path, begin: str, end: str, text: str) -> bool:
    """Replace what lies between the `begin` and `end` marker lines of a text file (atomically); returns whether
    the file changed. A file without both markers is a ValueError and stays as it was."""
    try:
        with open(path, encoding="utf-8") as handle:
            content = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{os.fspath(path)!r} cannot be read: {err}") from None
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if not pattern.search(content):
        raise ValueError(f"{os.fspath(path)!r} has no {begin} ... {end} markers")
    new_content = pattern.sub(lambda _: f"{begin}\n{text}\n{end}", content)
    if new_content != content:
        write_atomically(path, new_content)
    return new_content != content
