from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
import time

import pytest

from symnet.exceptions import SpecError, WriteError
from symnet.files import (
    TEMPORARY_PATTERN,
    atomic_writer,
    check_output,
    check_picture,
    remove_stale_temporaries,
    write_bytes_atomic,
    write_text_atomic,
)


def _names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def test_interrupted_write_leaves_the_old_file_whole(tmp_path):
    path = tmp_path / "out.txt"
    write_text_atomic(path, "old")
    with pytest.raises(KeyboardInterrupt), atomic_writer(path) as stream:
        stream.write(b"half")
        raise KeyboardInterrupt
    assert path.read_text() == "old"
    assert _names(tmp_path) == ["out.txt"]


def test_written_file_has_umask_permissions_and_a_replaced_one_keeps_its_own(tmp_path):
    path = write_text_atomic(tmp_path / "a.txt", "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    path.chmod(0o640)
    write_text_atomic(path, "y")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_text() == "y"


def test_world_readable_under_umask_022(tmp_path):
    code = (
        "import os, sys; os.umask(0o022); from symnet.files import write_text_atomic; "
        "print(oct(os.stat(write_text_atomic(sys.argv[1], 'x')).st_mode & 0o777))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "m.npz")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "0o644"


def test_missing_folder_is_a_one_line_write_error(tmp_path):
    with pytest.raises(WriteError, match="does not exist; create it") as caught:
        write_text_atomic(tmp_path / "nope" / "a.txt", "x")
    assert caught.value.exit_code == 1 and "\n" not in str(caught.value)
    (tmp_path / "file").write_text("")
    with pytest.raises(WriteError, match="is not a folder"):
        write_text_atomic(tmp_path / "file" / "a.txt", "x")


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "out.svg").mkdir()
    with pytest.raises(WriteError, match="it is a folder; give a file name inside it"):
        check_output(tmp_path / "out.svg")
    with pytest.raises(WriteError, match="it is a folder"):
        write_text_atomic(tmp_path / "out.svg", "x")
    assert (tmp_path / "out.svg").is_dir()


def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(WriteError, match="not a regular file"):
        write_bytes_atomic(fifo, b"x")
    assert stat.S_ISFIFO(fifo.stat().st_mode) and _names(tmp_path) == ["pipe"]


def test_a_device_such_as_dev_full_is_refused_and_stays_a_device(tmp_path):
    # NOTE: a copy of /dev/full (char 1,7) in tmp_path, never the real one: were the
    # refusal to break, only the copy would be replaced.
    device, picture = tmp_path / "full", tmp_path / "full.png"
    try:
        for node in (device, picture):
            os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("making a device node needs root (CI runs as root)")
    with pytest.raises(WriteError, match="not a regular file"):
        write_bytes_atomic(device, b"x")
    with pytest.raises(WriteError, match="not a regular file"):
        check_picture(picture, "plot")
    assert all(stat.S_ISCHR(node.stat().st_mode) for node in (device, picture))
    assert _names(tmp_path) == ["full", "full.png"]


def test_a_symbolic_link_is_written_through(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_text_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "no space left on the device; free some space or write elsewhere"),
        (errno.EDQUOT, "the disk quota is exceeded"),
        (errno.EROFS, "the file system is read-only; choose a folder you can write in"),
        (errno.EACCES, "permission denied; choose a folder you can write in"),
        (errno.EIO, "input/output error"),
    ],
)
def test_a_failed_write_is_one_write_error_and_the_old_file_stays(
    tmp_path, monkeypatch, code, reason
):
    path = write_text_atomic(tmp_path / "out.txt", "old")

    def failing(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing)
    with pytest.raises(WriteError) as caught:
        write_text_atomic(path, "new")
    message = str(caught.value)
    assert message.startswith(f"cannot write {path}: ") and reason in message
    assert path.read_text() == "old" and _names(tmp_path) == ["out.txt"]


def test_a_failed_temporary_file_is_one_write_error(tmp_path, monkeypatch):
    import tempfile

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(WriteError, match="permission denied"):
        write_text_atomic(tmp_path / "a.txt", "x")


def test_a_file_size_limit_is_a_write_error_in_a_subprocess(tmp_path):
    # NOTE: RLIMIT_FSIZE emulates a full disk: a write past it fails with EFBIG (Python
    # ignores SIGXFSZ), like ENOSPC half-way through a file.
    path = tmp_path / "big.bin"
    path.write_bytes(b"old")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from symnet.files import write_bytes_atomic\n"
        "from symnet.exceptions import WriteError\n"
        "try:\n"
        "    write_bytes_atomic(sys.argv[1], b'x' * 100_000)\n"
        "except WriteError as error:\n"
        "    print(error.exit_code, error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.stderr == ""
    assert done.stdout.strip() == (
        f"1 cannot write {path}: the file is larger than allowed (a file-size limit); "
        "write elsewhere"
    )
    assert path.read_bytes() == b"old" and _names(tmp_path) == ["big.bin"]


def _without_root() -> list[str]:
    """A prefix that runs a command without root's power to write anywhere."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("as root, a read-only folder needs setpriv (util-linux) to be read-only")
    drop = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}", "--"]


def test_a_read_only_folder_is_a_write_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "old.txt").write_text("old")
    folder.chmod(0o555)
    code = (
        "import sys\n"
        "from symnet.files import write_text_atomic\n"
        "from symnet.exceptions import WriteError\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        write_text_atomic(name, 'new')\n"
        "    except WriteError as error:\n"
        "        print(error)\n"
    )
    try:
        done = subprocess.run(
            [
                *_without_root(),
                sys.executable,
                "-c",
                code,
                str(folder / "new.txt"),
                str(folder / "old.txt"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        folder.chmod(0o755)
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        f"cannot write {folder / 'new.txt'}: permission denied; choose a folder you can write in",
        f"cannot write {folder / 'old.txt'}: permission denied; choose a folder you can write in",
    ]
    assert _names(folder) == ["old.txt"] and (folder / "old.txt").read_text() == "old"


def test_overwrite_false_refuses_an_existing_file(tmp_path):
    path = write_text_atomic(tmp_path / "m.npz", "old")
    with pytest.raises(SpecError, match="already exists; pass overwrite=True to replace it"):
        write_text_atomic(path, "new", overwrite=False)
    assert path.read_text() == "old"


def test_temporary_files_are_named_after_the_target(tmp_path, monkeypatch):
    path = tmp_path / "out.txt"
    with atomic_writer(path) as stream:
        names = [n for n in _names(tmp_path) if n != "out.txt"]
        stream.write(b"x")
    assert len(names) == 1
    match = TEMPORARY_PATTERN.match(names[0])
    assert match is not None and match["name"] == "out.txt" and int(match["pid"]) == os.getpid()


def test_a_later_write_removes_stale_temporary_files_of_its_own(tmp_path):
    dead, alive = _dead_pid(), os.getppid()
    stale = tmp_path / f".out.txt.symnet-{dead}-abc123.tmp"
    old = tmp_path / f".out.txt.symnet-{alive}-old000.tmp"
    in_progress = tmp_path / f".out.txt.symnet-{alive}-live00.tmp"
    someone_elses = tmp_path / f".other.txt.symnet-{dead}-abc123.tmp"
    not_ours = tmp_path / ".out.txt.abc123.tmp"
    for file in (stale, old, in_progress, someone_elses, not_ours):
        file.write_bytes(b"partial")
    a_day_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (a_day_ago, a_day_ago))
    write_text_atomic(tmp_path / "out.txt", "whole")
    assert _names(tmp_path) == sorted(
        ["out.txt", in_progress.name, someone_elses.name, not_ours.name]
    )
    assert remove_stale_temporaries(tmp_path / "other.txt") == [someone_elses]


def test_a_process_id_taken_by_a_newer_process_does_not_keep_a_stale_file(tmp_path):
    newer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".out.txt.symnet-{newer.pid}-abc123.tmp"
        stale.write_bytes(b"partial")
        a_minute_ago = time.time() - 60  # written before the process with its id started
        os.utime(stale, (a_minute_ago, a_minute_ago))
        if not os.path.exists(f"/proc/{newer.pid}/stat"):
            pytest.skip("no /proc: a reused process id is told by age alone there")
        assert remove_stale_temporaries(tmp_path / "out.txt") == [stale]
    finally:
        newer.kill()
        newer.wait()


def test_a_long_name_keeps_its_temporary_file_within_the_name_limit(tmp_path):
    path = tmp_path / ("n" * 250 + ".txt")
    write_text_atomic(path, "x")
    assert path.read_text() == "x" and _names(tmp_path) == [path.name]


def test_dash_is_standard_output_for_text_and_refused_for_binary(capfdbinary):
    assert str(write_text_atomic("-", "digraph {}\n")) == "-"
    assert capfdbinary.readouterr().out == b"digraph {}\n"
    with pytest.raises(SpecError, match="binary, so it cannot go to standard output"):
        check_output("-", binary=True)
    with pytest.raises(SpecError, match="cannot go to standard output"):
        check_picture("-", "plot")
    with pytest.raises(SpecError, match="must end in .png or .svg; got 'p.jpg'"):
        check_picture("p.jpg", "plot")


# --- Reading: only regular files (require_regular_file) --------------------------------


@pytest.mark.parametrize("kind", ["fifo", "folder", "missing", "device"])
def test_only_regular_files_are_read(tmp_path, kind):
    """A FIFO would hang the reader, a folder or a device is no input: refused by stat."""
    from symnet.exceptions import DataError, ReadError  # noqa: PLC0415 - this section's own
    from symnet.files import require_regular_file  # noqa: PLC0415

    path = {"folder": tmp_path, "device": "/dev/null"}.get(kind, tmp_path / kind)
    if kind == "fifo":
        os.mkfifo(path)
    reason = {"fifo": "not a regular file", "folder": "it is a folder", "missing": "no such file"}
    # NOTE: a missing file is the world's failure (ReadError, exit 1); the others are input.
    expected = ReadError if kind == "missing" else DataError
    with pytest.raises(expected, match=reason.get(kind, "not a regular file")) as caught:
        require_regular_file(path, "image")
    assert "\n" not in str(caught.value) and "cannot read image" in str(caught.value)


def test_regular_files_and_links_to_them_pass(tmp_path):
    from symnet.files import require_regular_file  # noqa: PLC0415 - this section's own imports

    target = tmp_path / "data.csv"
    target.write_text("1,2\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert require_regular_file(link) == link
    with pytest.raises(SpecError, match="it is a folder"):
        require_regular_file(tmp_path, error=SpecError)
