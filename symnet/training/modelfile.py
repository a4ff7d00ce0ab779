"""A trained model and its file: one ``.npz`` of float arrays with its JSON metadata inside.

File format (version 2). One NumPy ``.npz`` archive:

================ =========================================================================
``W1, b1, ...``  weights (width_l, width_{l-1}) and biases (width_l,) of every dense
                 layer; a conv layer l has kernels ``K{l}`` (kernels, channels, kh, kw)
                 and biases ``b{l}`` (kernels,); pooling and flatten layers have none
``input_mean``,  the standardisation fitted on the training inputs (x - mean) / scale
``input_scale``
``classes``      the class labels as numbers (classification; empty for regression);
                 0, 1, ..., K-1 when the labels are names, kept in the metadata
``metadata``     the UTF-8 bytes of a JSON object, stored as a uint8 array: ``format``
                 ("symnet-model"), ``version``, ``spec``, ``loss``, ``task``, ``dtype``,
                 ``parameters`` (names in order), ``arrays`` (name -> shape, dtype and the
                 SHA-256 of its bytes), ``training`` (the settings used), for
                 labels that are names (``setosa``), ``class_names``, for formula
                 activations or losses, ``formulas`` (name -> the text typed), and
                 ``metadata_sha256``: the SHA-256 of the rest of the metadata
================ =========================================================================

NOTE: the metadata lives *inside* the archive, so a model is one file that is written
atomically (:func:`symnet.files.atomic_writer`: a temporary file in the same folder, then a
rename) and copied as one. Loading trusts nothing in the file: it checks the zip
directory's sizes, every array header, the metadata (size, depth, format, checksum), the
spec's size, every name, shape and dtype, every array's SHA-256 and that every number is
finite, cheapest first and before anything is built (:mod:`symnet.training.modelcheck`);
any problem is one ``ModelFileError`` line. Files of version 1 still load.

>>> import numpy as np, tempfile, pathlib
>>> model = Model.initial("2-1:sigmoid", "bce", seed=0)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "m.npz"
>>> save_model(model, path) == path
True
>>> bool(np.array_equal(load_model(path).predict([[1.0, 2.0]]), model.predict([[1.0, 2.0]])))
True
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from symnet.codegen.program import LayerProgram, compile_layers
from symnet.exceptions import DataError, ModelFileError, ReadError, SpecError, SymnetError
from symnet.files import atomic_writer, check_output, is_stdout, require_regular_file
from symnet.graph.losses import check_loss, task_of
from symnet.graph.registry import current_formulas
from symnet.graph.spec import NetworkSpec, parse_spec
from symnet.parse.formula_text import formulas
from symnet.seeds import random_generator
from symnet.training.archive import open_npz
from symnet.training.data import Standardizer
from symnet.training.dataset import Label, label_value
from symnet.training.modelcheck import (
    CHECKSUM_KEY,
    FORMAT,
    FORMAT_VERSION,
    MAX_MODEL_BYTES,
    check_declared,
    check_finite,
    metadata_checksum,
    read_metadata,
)

__all__ = [
    "DTYPES",
    "FORMAT",
    "FORMAT_VERSION",
    "Model",
    "initial_parameters",
    "load_model",
    "refuse_to_replace",
    "save_model",
]

DTYPES = ("float64", "float32")


def initial_parameters(
    spec: NetworkSpec, seed: int = 0, dtype: str = "float64"
) -> list[np.ndarray]:
    """Random weights and zero biases, layer by layer (``W1, b1, ...``; ``K1, b1`` for conv).

    Notes
    -----
    NOTE: He initialisation, N(0, 2 / fan_in), for a layer followed by relu or leaky_relu
    (it keeps the variance of z steady through layers that zero half their inputs);
    Xavier/Glorot, N(0, 2 / (fan_in + fan_out)), for every other activation. Biases start at 0.
    A kernel's fan-in is channels x kh x kw (the terms of one output pixel) and its fan-out
    kernels x kh x kw, as in PyTorch's and Keras's initialisers.
    """
    rng = random_generator(seed)
    params = []
    for name, shape in spec.parameter_shapes():
        if name.startswith("b"):
            params.append(np.zeros(shape, dtype=dtype))
            continue
        layer = spec.layers[int(name[1:]) - 1]
        receptive = int(np.prod(shape[2:]))  # kh * kw for kernels, 1 for dense weights
        fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
        if layer.activation == "relu" or layer.activation.startswith("leaky_relu"):
            std = np.sqrt(2.0 / fan_in)
        else:
            std = np.sqrt(2.0 / (fan_in + fan_out))
        params.append(rng.normal(0.0, std, size=shape).astype(dtype))
    return params


@dataclass
class Model:
    """A network spec, its loss and trained parameters, with the input scaling it expects."""

    spec: NetworkSpec
    loss: str
    params: list[np.ndarray]
    standardizer: Standardizer | None = None
    task: str = "classification"
    classes: tuple[Label, ...] = ()  # numbers or names, one per class
    training: dict = field(default_factory=dict)
    #: The formula activations and losses the spec and loss name (name -> text), kept in
    #: the file so that it predicts and exports without them; taken from the formula
    #: scope open when the model is made (:func:`symnet.formulas`).
    formulas: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.formulas:
            self.formulas = used_formulas(self.spec, self.loss)

    @classmethod
    def initial(
        cls, spec: str | NetworkSpec, loss: str, seed: int = 0, dtype: str = "float64"
    ) -> Model:
        """An untrained model with :func:`initial_parameters`."""
        spec = parse_spec(spec)
        task = task_of(spec, loss)
        classes = (
            tuple(float(c) for c in range(max(2, spec.n_outputs))) if task != "regression" else ()
        )
        return cls(spec, loss, initial_parameters(spec, seed, dtype), None, task, classes)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.spec.parameter_shapes())

    @property
    def dtype(self) -> str:
        return str(self.params[0].dtype)

    @property
    def program(self) -> LayerProgram:
        """The generated layer-level code for the spec and loss (compiled once, then cached)."""
        with formulas(**self.formulas):
            return compile_layers(self.spec, self.loss)

    def inputs(self, X) -> np.ndarray:
        """``X`` checked, standardised and cast to the model's dtype.

        ``X`` is (samples, features); for an image spec, features are the pixels in
        (channel, row, column) order, and images shaped (samples, C, H, W) are accepted too.
        """
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError("inputs must be numbers shaped (samples, features)") from None
        image = self.spec.image
        if image is not None and X.ndim == 4 and X.shape[1:] == image.shape:
            X = X.reshape(len(X), -1)
        if X.ndim != 2 or X.shape[1] != self.spec.n_inputs:
            shape = ", ".join(map(str, image.shape)) if image else ""
            images = f" ({image} images, or arrays shaped (N, {shape}))" if image else ""
            raise DataError(
                f"the model {self.spec} takes {self.spec.n_inputs} features per sample"
                f"{images}; got data shaped {X.shape}"
            )
        if self.standardizer is not None:
            X = self.standardizer.transform(X)
        return X.astype(self.dtype, copy=False)

    def predict(self, X) -> np.ndarray:
        """The network's outputs, shape (samples, outputs), for raw (unscaled) inputs ``X``."""
        return self.program.forward(self.inputs(X), self.params)

    def predict_classes(self, X) -> np.ndarray:
        """Class indices 0..K-1: argmax of a softmax, or ``y > 1/2`` for one output."""
        Y = self.predict(X)
        return (Y[:, 0] > 0.5).astype(np.int64) if Y.shape[1] == 1 else Y.argmax(axis=1)


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _arrays(model: Model) -> dict[str, np.ndarray]:
    arrays = dict(zip(model.parameter_names, model.params))
    std = model.standardizer
    arrays["input_mean"] = np.asarray(
        std.mean if std else np.zeros(model.spec.n_inputs), np.float64
    )
    arrays["input_scale"] = np.asarray(
        std.scale if std else np.ones(model.spec.n_inputs), np.float64
    )
    named = any(isinstance(c, str) for c in model.classes)
    classes = range(len(model.classes)) if named else model.classes
    arrays["classes"] = np.asarray(classes, dtype=np.float64)
    return arrays


def _class_names(model: Model) -> dict[str, list[str]]:
    """The metadata entry ``class_names`` of a model whose labels are names (else empty)."""
    if any(isinstance(c, str) for c in model.classes):
        return {"class_names": [str(c) for c in model.classes]}
    return {}


def refuse_to_replace(path: str | os.PathLike[str], overwrite: bool) -> None:
    """Refuse, before any work, a model file ``path`` that cannot or may not be written.

    SpecError for a name not ending in ``.npz``, for ``-`` (a model file is binary) and for
    an existing file without ``overwrite``; WriteError for a missing or read-only folder or
    a path that is a folder or a device (:func:`symnet.files.check_output`).
    """
    if not is_stdout(path) and Path(path).suffix != ".npz":
        raise SpecError(f"a model file name ends in .npz; got {Path(path).name!r}")
    check_output(path, overwrite, binary=True)


def save_model(model: Model, path: str | Path, overwrite: bool = False) -> Path:
    """Write ``model`` to ``path`` (``.npz``) atomically; an existing file only if ``overwrite``."""
    path = Path(path)
    refuse_to_replace(path, overwrite)
    arrays = _arrays(model)
    check_finite(arrays)  # a file holding NaN or infinity would never load
    metadata = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "spec": str(model.spec),
        "loss": model.loss,
        "task": model.task,
        "dtype": model.dtype,
        "parameters": list(model.parameter_names),
        "arrays": {
            name: {"shape": list(a.shape), "dtype": str(a.dtype), "sha256": _sha256(a)}
            for name, a in arrays.items()
        },
        "training": model.training,
        **_class_names(model),
        **({"formulas": model.formulas} if model.formulas else {}),
    }
    metadata = json.loads(json.dumps(metadata))  # as it will read back (tuples as lists)
    metadata[CHECKSUM_KEY] = metadata_checksum(metadata)
    blob = np.frombuffer(json.dumps(metadata, indent=1).encode("utf-8"), dtype=np.uint8)
    with atomic_writer(path, overwrite) as stream:  # the zip archive is written into it
        np.savez(stream, allow_pickle=False, metadata=blob, **arrays)
    return path


def used_formulas(spec: NetworkSpec, loss: str) -> dict[str, dict[str, str]]:
    """The formulas of the current scope that ``spec`` and ``loss`` name: ``{"activations":
    {name: text}, "losses": {name: text}}`` with only the kinds used; empty when none."""
    scope = current_formulas()
    used = {layer.activation for layer in spec.layers}
    found = {
        "activations": {n: f.text for n, f in scope.activations.items() if n in used},
        "losses": {n: f.text for n, f in scope.losses.items() if n == loss},
    }
    return {kind: texts for kind, texts in found.items() if texts}


def _formula_texts(metadata: dict) -> dict[str, dict[str, str]]:
    """The metadata's ``formulas``, checked to be names -> texts (parsed by the caller)."""
    found = metadata.get("formulas", {})
    if not isinstance(found, dict) or not set(found) <= {"activations", "losses"}:
        raise ModelFileError("its formulas are not {'activations': ..., 'losses': ...}")
    for texts in found.values():
        if not isinstance(texts, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in texts.items()
        ):
            raise ModelFileError("its formulas are not names -> texts")
    return found


def _bad(path: Path, problem: str) -> ModelFileError:
    return ModelFileError(
        f"{path} is not a valid symnet model: {problem}; retrain it with symnet train -o"
    )


def load_model(path: str | Path, max_bytes: int = MAX_MODEL_BYTES) -> Model:
    """Read a model written by :func:`save_model`, checking all of it (see the module docstring).

    ``max_bytes`` bounds the size of all its arrays together, uncompressed (256 MiB).
    """
    path = Path(path)
    try:  # a regular file: never a FIFO, whose reading would hang
        require_regular_file(path, "model file", error=ModelFileError)
    except ReadError:
        raise ReadError(
            f"no model file at {path}; train one with: symnet train SPEC --data NAME -o {path}"
        ) from None
    try:
        with open_npz(path, max_bytes) as archive:
            metadata = read_metadata(archive)
            texts = _formula_texts(metadata)
            with formulas(**texts):  # the spec and loss may name them
                spec = check_declared(metadata, archive, max_bytes)
            arrays = {name: archive.read(name) for name in archive.names if name != "metadata"}
        check_finite(arrays, skip=("classes",))  # the class labels are checked by _classes
    except Exception as error:
        raise _problem(path, error) from None
    try:
        with formulas(**texts):
            return _model(path, metadata, arrays, spec)  # Model keeps the formulas in scope
    except Exception as error:
        if isinstance(error, ModelFileError):  # raised by _bad, the file already named
            raise
        raise _problem(path, error) from None


def _problem(path: Path, error: Exception) -> Exception:
    """The one-line ModelFileError for ``error`` met while reading ``path`` (others as is)."""
    if isinstance(error, SymnetError):
        return _bad(path, str(error))
    if isinstance(error, ValueError | TypeError | KeyError | AttributeError):
        detail = " ".join(f"{type(error).__name__}: {error}".split())[:120]
        return _bad(path, f"its metadata is malformed ({detail})")
    return error


def _model(path: Path, metadata: dict, arrays: dict[str, np.ndarray], spec: NetworkSpec) -> Model:
    check_loss(spec, metadata["loss"])
    dtype = metadata["dtype"]
    model = Model(spec, metadata["loss"], [], None, "classification", ())
    expected = dict(spec.parameter_shapes())
    if list(metadata["parameters"]) != list(model.parameter_names):
        raise _bad(path, "its parameter names do not match its spec")
    if set(arrays) != set(metadata["arrays"]) or not set(expected) <= set(arrays):
        raise _bad(path, "its arrays do not match its metadata")
    for name, array in arrays.items():
        recorded = metadata["arrays"][name]
        if list(array.shape) != list(recorded["shape"]) or str(array.dtype) != recorded["dtype"]:
            raise _bad(path, f"array {name} has shape {array.shape} {array.dtype}, not as recorded")
        if name in expected and (array.shape != expected[name] or str(array.dtype) != dtype):
            raise _bad(path, f"array {name} has shape {array.shape}; {spec} needs {expected[name]}")
        if array.dtype.kind != "f":
            raise _bad(path, f"array {name} is not a float array")
        if _sha256(array) != recorded["sha256"]:
            raise _bad(path, f"array {name} does not match its SHA-256 (changed after saving)")
    n = spec.n_inputs
    mean, scale = arrays["input_mean"], arrays["input_scale"]
    if mean.shape != (n,) or scale.shape != (n,) or not np.all(scale > 0):
        raise _bad(path, "its input scaling does not fit the spec")
    model.params = [arrays[name] for name in model.parameter_names]
    model.standardizer = Standardizer(mean, scale)
    model.task = metadata["task"]
    model.classes = _classes(path, model, arrays["classes"], metadata.get("class_names"))
    model.training = dict(metadata.get("training") or {})
    if model.task not in ("classification", "regression"):
        raise _bad(path, f"task {model.task!r} is unknown")
    return model


def _classes(path: Path, model: Model, numbers: np.ndarray, names: object) -> tuple[Label, ...]:
    """The class labels: one per class of the output layer, distinct (names or numbers).

    NOTE: a 1:sigmoid output has two classes (y > 1/2 is the second), K outputs K
    classes; regression has none.
    """
    count = 0 if model.task == "regression" else max(2, model.spec.n_outputs)
    if numbers.ndim != 1 or len(numbers) != count:
        raise _bad(path, f"it has {numbers.size} class labels; its output layer needs {count}")
    labels: tuple[Label, ...] = tuple(float(c) for c in numbers)
    if names is not None:
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise _bad(path, "its class_names are not a list of names")
        if len(names) != count:
            raise _bad(path, f"it has {len(names)} class names; its output layer needs {count}")
        labels = tuple(names)
    elif not np.all(np.isfinite(numbers)):
        raise _bad(path, "its class labels are not finite numbers")
    if len({label_value(c) for c in labels}) != count:
        raise _bad(path, "its class labels are not distinct")
    return labels
