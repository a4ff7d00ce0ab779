"""A trained model and its file: one ``.npz`` of float arrays with its JSON metadata inside.

File format (version 1). One NumPy ``.npz`` archive, read with ``allow_pickle=False``:

================ =========================================================================
``W1, b1, ...``  weights (width_l, width_{l-1}) and biases (width_l,) of every dense
                 layer; a conv layer l has kernels ``K{l}`` (kernels, channels, kh, kw)
                 and biases ``b{l}`` (kernels,); pooling and flatten layers have none
``input_mean``,  the standardisation fitted on the training inputs (x - mean) / scale
``input_scale``
``classes``      the class labels (classification; empty for regression)
``metadata``     the UTF-8 bytes of a JSON object, stored as a uint8 array: ``format``
                 ("symnet-model"), ``version``, ``spec``, ``loss``, ``task``, ``dtype``,
                 ``parameters`` (names in order), ``arrays`` (name -> shape, dtype and the
                 SHA-256 of its bytes) and ``training`` (the settings used)
================ =========================================================================

NOTE: the metadata lives *inside* the archive, so a model is one file that is written
atomically (:func:`symnet.files.atomic_writer`: a temporary file in the same folder, then a
rename) and copied as one. Loading checks the format, the spec, every name, shape and
dtype, and every array's SHA-256; any mismatch is one ``ModelFileError`` line.

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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from symnet.codegen.program import LayerProgram, compile_layers
from symnet.exceptions import DataError, ModelFileError, SymnetError
from symnet.files import atomic_writer
from symnet.graph.losses import check_loss, task_of
from symnet.graph.spec import NetworkSpec, parse_spec
from symnet.training.data import Standardizer

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

FORMAT = "symnet-model"
FORMAT_VERSION = 1
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
    rng = np.random.default_rng(seed)
    params = []
    for name, shape in spec.parameter_shapes():
        if name.startswith("b"):
            params.append(np.zeros(shape, dtype=dtype))
            continue
        layer = spec.layers[int(name[1:]) - 1]
        receptive = int(np.prod(shape[2:]))  # kh * kw for kernels, 1 for dense weights
        fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
        if layer.activation in ("relu", "leaky_relu"):
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
    classes: tuple[float, ...] = ()
    training: dict = field(default_factory=dict)

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
    arrays["classes"] = np.asarray(model.classes, dtype=np.float64)
    return arrays


def refuse_to_replace(path: str | os.PathLike[str], overwrite: bool) -> None:
    """Raise ``ModelFileError`` when ``path`` exists and ``overwrite`` is False."""
    if Path(path).exists() and not overwrite:
        raise ModelFileError(f"{path} already exists; pass overwrite=True to replace it")


def save_model(model: Model, path: str | Path, overwrite: bool = False) -> Path:
    """Write ``model`` to ``path`` (``.npz``) atomically; an existing file only if ``overwrite``."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ModelFileError(f"a model file name ends in .npz; got {path.name!r}")
    refuse_to_replace(path, overwrite)
    arrays = _arrays(model)
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
    }
    blob = np.frombuffer(json.dumps(metadata, indent=1).encode("utf-8"), dtype=np.uint8)
    with atomic_writer(path) as stream:  # the zip archive is written straight into it
        np.savez(stream, allow_pickle=False, metadata=blob, **arrays)
    return path


def _bad(path: Path, problem: str) -> ModelFileError:
    return ModelFileError(
        f"{path} is not a valid symnet model: {problem}; retrain it with symnet train -o"
    )


def load_model(path: str | Path) -> Model:
    """Read a model written by :func:`save_model`, checking all of it (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(
            f"no model file at {path}; train one with: symnet train SPEC --data NAME -o {path}"
        )
    try:
        # NOTE: our own handle, so a truncated archive cannot leave the file open.
        with path.open("rb") as stream, np.load(stream, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise _bad(path, f"cannot read it as an npz archive ({type(error).__name__})") from None
    blob = arrays.pop("metadata", None)
    if blob is None or blob.dtype != np.uint8 or blob.ndim != 1:
        raise _bad(path, "it has no metadata array")
    try:
        metadata = json.loads(blob.tobytes().decode("utf-8"))
        if metadata.get("format") != FORMAT:
            raise _bad(path, f"its format is {metadata.get('format')!r}, not {FORMAT!r}")
        if metadata.get("version") != FORMAT_VERSION:
            raise _bad(
                path,
                f"format version {metadata.get('version')!r} (this symnet reads {FORMAT_VERSION})",
            )
        return _model(path, metadata, arrays)
    except SymnetError as error:
        if isinstance(error, ModelFileError):
            raise
        raise _bad(path, str(error)) from None
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise _bad(path, f"its metadata is malformed ({type(error).__name__}: {error})") from None


def _model(path: Path, metadata: dict, arrays: dict[str, np.ndarray]) -> Model:
    spec = parse_spec(metadata["spec"])
    check_loss(spec, metadata["loss"])
    dtype = metadata["dtype"]
    if dtype not in DTYPES:
        raise _bad(path, f"dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    model = Model.initial(spec, metadata["loss"], dtype=dtype)
    expected = {**dict(zip(model.parameter_names, model.params))}
    if list(metadata["parameters"]) != list(model.parameter_names):
        raise _bad(path, "its parameter names do not match its spec")
    if set(arrays) != set(metadata["arrays"]) or not set(expected) <= set(arrays):
        raise _bad(path, "its arrays do not match its metadata")
    for name, array in arrays.items():
        recorded = metadata["arrays"][name]
        if list(array.shape) != list(recorded["shape"]) or str(array.dtype) != recorded["dtype"]:
            raise _bad(path, f"array {name} has shape {array.shape} {array.dtype}, not as recorded")
        if name in expected and (array.shape != expected[name].shape or str(array.dtype) != dtype):
            raise _bad(
                path, f"array {name} has shape {array.shape}; {spec} needs {expected[name].shape}"
            )
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
    model.classes = tuple(float(c) for c in arrays["classes"])
    model.training = dict(metadata.get("training") or {})
    if model.task not in ("classification", "regression"):
        raise _bad(path, f"task {model.task!r} is unknown")
    return model
