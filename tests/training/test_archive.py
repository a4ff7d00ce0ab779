"""The npz reader that checks sizes first: it reads back exactly what NumPy wrote."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from symnet.exceptions import ModelFileError
from symnet.training.archive import open_npz

ARRAYS = st.dictionaries(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
    hnp.arrays(
        st.sampled_from([np.float64, np.float32, np.uint8]),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    ),
    max_size=4,
)


@given(ARRAYS, st.booleans(), st.booleans())
def test_reads_back_what_numpy_wrote(arrays, compressed, fortran):
    arrays = {k: np.asfortranarray(v) if fortran else v for k, v in arrays.items()}
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    with open_npz(buffer) as archive:
        assert set(archive.names) == set(arrays)
        for name, array in arrays.items():
            read = archive.read(name)
            assert read.shape == array.shape and read.dtype == array.dtype
            assert np.array_equal(read, array, equal_nan=read.dtype.kind == "f")
            assert read.flags.writeable


def test_sizes_are_checked_from_the_directory_alone():
    buffer = io.BytesIO()
    np.savez_compressed(buffer, big=np.zeros(10_000))  # 80 kB of zeros in a few hundred bytes
    assert len(buffer.getvalue()) < 2_000
    with pytest.raises(ModelFileError, match="above the limit of 50000"), open_npz(buffer, 50_000):
        pass


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really", b"\x00" * 100])
def test_not_an_archive(content):
    refused = pytest.raises(ModelFileError, match="cannot read it as an npz archive")
    with refused, open_npz(io.BytesIO(content)):
        pass


def test_a_damaged_member_is_one_error():
    buffer = io.BytesIO()
    np.savez(buffer, x=np.arange(100.0))
    data = bytearray(buffer.getvalue())
    data[data.index(b"x.npy") + 200] ^= 0xFF  # one byte of the array's data: a bad CRC
    refused = pytest.raises(ModelFileError, match=r"x (has no valid \.npy header|is damaged)")
    with refused, open_npz(io.BytesIO(bytes(data))) as archive:  # opening or reading refuses
        archive.read("x")


def test_errors_of_the_caller_pass_through():
    buffer = io.BytesIO()
    np.savez(buffer, x=np.ones(2))
    with pytest.raises(KeyError), open_npz(buffer):
        raise KeyError("the caller's own error is not rewritten as a damaged archive")
