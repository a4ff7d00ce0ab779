"""The checks a model file passes before any of it is used, cheapest first.

:func:`symnet.training.modelfile.load_model` reads a file through these, in this order:

1. :func:`~symnet.training.archive.open_npz`: the zip directory (names, count, and
   uncompressed sizes against ``max_bytes``) and every ``.npy`` header (dtype, and a
   declared shape that matches the bytes held), before anything is decompressed;
2. :func:`read_metadata`: the JSON metadata within limits (size, nesting depth, number
   length: :func:`~symnet.parse.json_text.parse_json`), its format and version, and its
   own SHA-256 (:func:`metadata_checksum`), so a hand edit (relu -> tanh) is caught;
3. :func:`check_declared`: the spec's size (the guard of training,
   :func:`~symnet.graph.guards.check_training`: the layers of the code a prediction
   generates, and one sample's arrays), its parameters against ``max_bytes`` and every
   array header against the spec, before any array is read or anything is built;
4. after reading: every array's SHA-256 and :func:`check_finite` (NaN or infinity in a
   weight, a mean or a scale would give NaN predictions and an export that cannot import).

NOTE: version 1 files (written before the metadata had its checksum) still load: their
arrays are covered by their SHA-256s and every other check applies; only a hand edit of
their metadata goes unnoticed. A model is user data (a teacher's shared file, a run whose
data is gone), so refusing every older file would cost more than it protects.

Each problem raises ``ModelFileError`` with the problem alone; the caller names the file.

>>> metadata = {"format": "symnet-model", "version": 2, "spec": "2-1"}
>>> len(metadata_checksum(metadata))
64
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np

from symnet.exceptions import ModelFileError
from symnet.graph.guards import check_training
from symnet.graph.spec import NetworkSpec, parse_spec
from symnet.parse.json_text import MAX_JSON_BYTES, parse_json
from symnet.training.archive import NpzArchive

__all__ = [
    "CHECKSUM_KEY",
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_MODEL_BYTES",
    "MAX_SPEC_LENGTH",
    "READ_VERSIONS",
    "check_declared",
    "check_finite",
    "metadata_checksum",
    "read_metadata",
]

FORMAT = "symnet-model"
#: The version written; version 2 added the metadata's own checksum.
FORMAT_VERSION = 2
#: The versions read (see the NOTE in the module docstring on version 1).
READ_VERSIONS = (1, 2)
#: The metadata key holding the SHA-256 of the rest of the metadata.
CHECKSUM_KEY = "metadata_sha256"
#: The most bytes all the arrays of a model file may take, uncompressed (256 MiB).
MAX_MODEL_BYTES = 2**28
#: The longest spec text read (a thousand layers of wide units fit in it).
MAX_SPEC_LENGTH = 100_000


def metadata_checksum(metadata: dict) -> str:
    """The SHA-256 of ``metadata`` without its checksum, as canonical JSON (sorted keys,
    no spaces, ASCII), so the same content always gives the same digest."""
    body = {key: value for key, value in metadata.items() if key != CHECKSUM_KEY}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def read_metadata(archive: NpzArchive) -> dict:
    """The metadata of a model archive: read within limits, its format, version and checksum
    checked."""
    names = archive.names
    header = archive.header("metadata") if "metadata" in names else None
    if header is None or header.dtype != np.uint8 or len(header.shape) != 1:
        raise ModelFileError("it has no metadata array")
    if header.nbytes > MAX_JSON_BYTES:
        raise ModelFileError(f"its metadata has {header.nbytes} bytes (limit {MAX_JSON_BYTES})")
    try:
        text = archive.read("metadata").tobytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError("its metadata is not UTF-8 text") from None
    metadata = parse_json(text)
    if not isinstance(metadata, dict):
        raise ModelFileError("its metadata is not a JSON object")
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"its format is {repr(metadata.get('format'))[:40]}, not {FORMAT!r}")
    version = metadata.get("version")
    if version not in READ_VERSIONS or isinstance(version, bool):
        readable = " and ".join(map(str, READ_VERSIONS))
        raise ModelFileError(
            f"format version {repr(version)[:20]} (this symnet reads versions {readable})"
        )
    if version >= 2 and metadata.get(CHECKSUM_KEY) != metadata_checksum(metadata):
        raise ModelFileError("its metadata does not match its SHA-256 (changed after saving)")
    return metadata


def check_declared(metadata: dict, archive: NpzArchive, max_bytes: int) -> NetworkSpec:
    """The spec of ``metadata``, after checking its size and every array header it needs.

    Nothing is read or built yet: the parameter count comes from the spec's shapes (exact
    integers), and each array's shape and dtype from its ``.npy`` header.
    """
    spec_text, dtype = metadata.get("spec"), metadata.get("dtype")
    if not isinstance(spec_text, str) or not isinstance(dtype, str):
        raise ModelFileError("its metadata has no spec or dtype text")
    if len(spec_text) > MAX_SPEC_LENGTH:
        raise ModelFileError(f"its spec has {len(spec_text)} characters (limit {MAX_SPEC_LENGTH})")
    spec = parse_spec(spec_text)
    if dtype not in ("float64", "float32"):
        raise ModelFileError(f"dtype {repr(dtype)[:20]} is not one of float64, float32")
    check_training(spec, 1, dtype)  # the guard of the code a prediction generates and runs
    shapes = dict(spec.parameter_shapes())
    needed = sum(math.prod(shape) for shape in shapes.values()) * np.dtype(dtype).itemsize
    if needed > max_bytes:
        raise ModelFileError(
            f"its spec {str(spec)[:80]} needs {needed} bytes of parameters (limit {max_bytes})"
        )
    for name, shape in shapes.items():
        if name not in archive.names:
            raise ModelFileError(f"it has no array {name}, which its spec {spec} needs")
        header = archive.header(name)
        if header.shape != shape or header.dtype != np.dtype(dtype):
            raise ModelFileError(
                f"array {name} has shape {header.shape} {header.dtype}; {spec} needs {shape} "
                f"{dtype}"
            )
    return spec


def check_finite(arrays: dict[str, np.ndarray], skip: tuple[str, ...] = ()) -> None:
    """Refuse an array (other than those in ``skip``) that holds NaN or infinity."""
    for name, array in arrays.items():
        if name not in skip and array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ModelFileError(f"array {name} holds NaN or infinite values (a diverged run?)")
