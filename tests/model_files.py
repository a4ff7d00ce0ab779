"""Crafted model files for the tests: what an attacker or a hand edit could leave in an npz.

Every helper starts from a valid file written by ``save_model`` and changes one thing. Unless
told otherwise, a change *reseals* the file (each array's SHA-256 and the metadata's own
checksum recomputed), as a deliberate forgery would, so the check under test is the one
that refuses it, not a checksum.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from symnet.graph.losses import default_loss
from symnet.graph.spec import parse_spec
from symnet.training.data import Standardizer
from symnet.training.modelcheck import metadata_checksum
from symnet.training.modelfile import Model, save_model


def saved_model(folder: Path, name: str = "m.npz", spec: str = "3-4:relu-2:softmax") -> Path:
    """A valid small model file (classification, standardised inputs)."""
    model = Model.initial(spec, default_loss(parse_spec(spec), training=True), seed=1)
    n = model.spec.n_inputs
    model.standardizer = Standardizer(np.arange(1.0, n + 1), np.full(n, 0.5))
    model.training = {"data": "test", "lr": 0.01, "epochs": 3}
    return save_model(model, folder / name)


def read_members(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """(metadata, arrays) of a file written by ``save_model`` (trusted: our own file)."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return json.loads(arrays.pop("metadata").tobytes()), arrays


def metadata_bytes(metadata: dict, reseal: bool = True) -> np.ndarray:
    """The metadata member for ``metadata``, its checksum recomputed when ``reseal``."""
    if reseal:
        metadata = {**metadata, "metadata_sha256": metadata_checksum(metadata)}
    return np.frombuffer(json.dumps(metadata).encode("utf-8"), dtype=np.uint8)


def rewrite(
    path: Path, change: Callable[[dict, dict[str, np.ndarray]], None], reseal: bool = True
) -> Path:
    """Apply ``change(metadata, arrays)`` to the file at ``path`` and write it back."""
    import hashlib  # only the forgeries need it

    metadata, arrays = read_members(path)
    change(metadata, arrays)
    if reseal:
        for name, array in arrays.items():
            record = metadata["arrays"].setdefault(name, {})
            record.update(shape=list(array.shape), dtype=str(array.dtype))
            record["sha256"] = hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
    with open(path, "wb") as stream:
        np.savez(stream, metadata=metadata_bytes(metadata, reseal), **arrays)
    return path


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    """A ``.npy`` header declaring ``shape`` (no data after it)."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


def write_zip(path: Path, members: list[tuple[str, int, int, int, bytes]]) -> Path:
    """Write a zip by hand: each member is (name, method, crc32, uncompressed size, data).

    Written by hand so a member can declare what ``zipfile`` would never write itself.
    """
    local, central = bytearray(), bytearray()
    for name, method, crc, size, data in members:
        encoded = name.encode()
        offset = len(local)
        fields = (20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + data
        central += (
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, offset) + encoded
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0
    )
    path.write_bytes(bytes(local) + bytes(central) + end)
    return path


def stored(name: str, data: bytes) -> tuple[str, int, int, int, bytes]:
    """A member stored uncompressed."""
    return (name, 0, zlib.crc32(data), len(data), data)


def with_members(path: Path, extra: list[tuple[str, int, int, int, bytes]]) -> Path:
    """Rewrite ``path`` with its members stored by hand, ``extra`` replacing same names."""
    metadata, arrays = read_members(path)
    replaced = {member[0] for member in extra}
    members = []
    if "metadata.npy" not in replaced:
        members.append(stored("metadata.npy", npy_bytes(metadata_bytes(metadata, reseal=False))))
    members += [
        stored(f"{n}.npy", npy_bytes(a)) for n, a in arrays.items() if f"{n}.npy" not in replaced
    ]
    return write_zip(path, members + extra)


def declared_shape(path: Path, name: str, shape: tuple[int, ...]) -> Path:
    """Array ``name`` replaced by a header declaring ``shape`` and eight bytes of data."""
    return with_members(path, [stored(f"{name}.npy", npy_header(shape) + bytes(8))])


def zip_bomb(path: Path, name: str = "W1", megabytes: int = 300) -> Path:
    """Array ``name`` replaced by a deflated member of ``megabytes`` MiB of zeros (a real
    bomb: a correct CRC, a stream that inflates to every byte; the file stays ~1 MB).

    NOTE: after a full flush, deflate restarts from scratch, so the compressed block of one
    MiB of zeros is the same every time: the stream is that block repeated.
    """
    count = megabytes * 2**20 // 8
    header, zeros = npy_header((count,)), bytes(2**20)
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    start = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(header)
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    data = start + block * megabytes + compressor.flush(zlib.Z_FINISH)
    member = (f"{name}.npy", 8, crc, len(header) + megabytes * 2**20, data)
    return with_members(path, [member])
