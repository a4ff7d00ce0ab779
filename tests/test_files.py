from __future__ import annotations

import os
import stat

import pytest

from symnet.exceptions import SpecError
from symnet.files import atomic_writer, write_text_atomic


def test_interrupted_write_leaves_the_old_file_whole(tmp_path):
    path = tmp_path / "out.txt"
    write_text_atomic(path, "old")
    with pytest.raises(KeyboardInterrupt), atomic_writer(path) as stream:
        stream.write(b"half")
        raise KeyboardInterrupt
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_written_file_has_umask_permissions(tmp_path):
    path = write_text_atomic(tmp_path / "a.txt", "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_missing_folder_is_a_one_line_error(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        write_text_atomic(tmp_path / "nope" / "a.txt", "x")
