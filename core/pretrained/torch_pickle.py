"""Read a LEGACY (pre-1.6, non-zip) PyTorch `.pth` file into numpy arrays, without torch.

That format is five pickles in a row, then raw bytes:

1. a magic number (0x1950a86a20f9469cfc6c), 2. the protocol version (1001), 3. system info (byte order,
type sizes), 4. the object itself (a state dict): every tensor is pickled as a call to
`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` whose storage is a *persistent id*
`("storage", <torch.FloatStorage>, key, location, numel)`, 5. the list of storage keys, in the order their bytes
follow. Each storage is then written as an int64 element count and its raw little-endian elements.

The unpickler below resolves only the few names such a file needs (no arbitrary classes: anything else is refused),
so reading a file cannot run code.
"""
from __future__ import annotations

import collections
import io
import pickle
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

MAGIC = 0x1950A86A20F9469CFC6C
PROTOCOL = 1001
DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
          "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
          "ByteStorage": np.uint8, "BoolStorage": np.bool_}


@dataclass(frozen=True)
class _StorageType:
    name: str

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(DTYPES[self.name])


@dataclass
class _Storage:
    key: str
    dtype: np.dtype
    numel: int
    data: np.ndarray | None = None


@dataclass
class _TensorRef:
    storage: _Storage
    offset: int
    size: tuple
    stride: tuple

    def array(self) -> np.ndarray:
        flat = self.storage.data
        if flat is None:
            raise ValueError(f"storage {self.storage.key} has no data")
        if not self.size:
            return np.array(flat[self.offset])
        item = flat.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(flat[self.offset:], shape=self.size,
                                               strides=tuple(s * item for s in self.stride), writeable=False)
        return np.ascontiguousarray(view)


def _rebuild_tensor(storage, offset, size, stride, *rest):
    return _TensorRef(storage, int(offset), tuple(size), tuple(stride))


def _rebuild_parameter(data, requires_grad=False, hooks=None, *rest):
    return data


class _Unpickler(pickle.Unpickler):
    _ALLOWED = {("collections", "OrderedDict"): collections.OrderedDict,
                ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
                ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
                ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
                ("torch.nn.parameter", "Parameter"): _rebuild_parameter}

    def __init__(self, file: BinaryIO, storages: dict[str, _Storage]):
        super().__init__(file, encoding="latin1")
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch" and name in DTYPES:
            return _StorageType(name)
        if (module, name) in self._ALLOWED:
            return self._ALLOWED[(module, name)]
        raise pickle.UnpicklingError(f"the file refers to {module}.{name}, which a weights file does not need")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r:.60}")
        _, kind, key, _location, numel = pid[:5]
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if not isinstance(kind, _StorageType):
            raise pickle.UnpicklingError(f"unknown storage type {kind!r:.60}")
        if key not in self.storages:
            self.storages[key] = _Storage(str(key), kind.dtype, int(numel))
        return self.storages[key]


def _plain(value: Any) -> Any:
    if isinstance(value, _TensorRef):
        return value.array()
    if isinstance(value, dict):
        return collections.OrderedDict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def load_legacy(source: str | bytes | BinaryIO) -> dict[str, np.ndarray]:
    """The state dict of a legacy torch `.pth` (a path, bytes or a binary file), as {name: numpy array}.
    Raises ValueError for a file in another format (a zip `.pth` from torch >= 1.6, a damaged file)."""
    if isinstance(source, (bytes, bytearray)):
        file: BinaryIO = io.BytesIO(source)
    elif isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        with open(source, "rb") as handle:
            return load_legacy(handle.read())
    else:
        file = source
    head = file.read(4)
    file.seek(-len(head), io.SEEK_CUR)
    if head.startswith(b"PK"):
        raise ValueError("This is a zip-format torch file (torch >= 1.6); only the legacy format is read here.")
    try:
        magic = pickle.load(file)
        protocol = pickle.load(file)
        if magic != MAGIC or protocol != PROTOCOL:
            raise ValueError(f"not a legacy torch file (magic {magic!r:.20}, protocol {protocol!r:.20})")
        info = pickle.load(file)
        if not info.get("little_endian", True):
            raise ValueError("big-endian torch files are not supported")
        storages: dict[str, _Storage] = {}
        result = _Unpickler(file, storages).load()
        keys = pickle.load(file)
        for key in keys:
            storage = storages[key]
            (count,) = struct.unpack("<q", file.read(8))
            raw = file.read(count * storage.dtype.itemsize)
            if count != storage.numel or len(raw) != count * storage.dtype.itemsize:
                raise ValueError(f"storage {key} is truncated")
            storage.data = np.frombuffer(raw, storage.dtype)
    except (pickle.UnpicklingError, EOFError, struct.error, KeyError, AttributeError, TypeError) as exc:
        raise ValueError(f"The file is not a readable legacy torch weights file ({exc}).") from None
    return _plain(result)


class _Global:
    """Pickled as a bare `module.name` reference (a GLOBAL opcode), without importing the module (no torch here)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's save_reduce wants a callable
        raise TypeError("a placeholder")


class _Pickler(pickle._Pickler):  # the pure-Python pickler: its dispatch table can be extended
    dispatch = pickle._Pickler.dispatch.copy()

    def _save_global_ref(self, obj: _Global) -> None:
        self.write(pickle.GLOBAL + obj.module.encode() + b"\n" + obj.name.encode() + b"\n")
        self.memoize(obj)

    dispatch[_Global] = _save_global_ref

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            name = {np.dtype(v): k for k, v in DTYPES.items()}[obj.dtype]
            return ("storage", _Global("torch", name), obj.key, "cpu", obj.numel)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, _TensorRef):
            return (_Global("torch._utils", "_rebuild_tensor_v2"),
                    (obj.storage, obj.offset, obj.size, obj.stride, False, collections.OrderedDict()))
        return NotImplemented


def save_legacy(state: dict[str, np.ndarray], file: BinaryIO) -> None:
    """Write a state dict of numpy arrays in the legacy torch layout (what `torch.save(...,
    _use_new_zipfile_serialization=False)` writes), for tests of `load_legacy`."""
    storages, refs = [], collections.OrderedDict()
    for i, (name, value) in enumerate(state.items()):
        array = np.array(value, order="C")  # (ascontiguousarray would make a 0-d array 1-d)
        storage = _Storage(str(i), array.dtype, int(array.size), array.reshape(-1))
        stride = tuple(int(s // array.itemsize) for s in array.strides)
        storages.append(storage)
        refs[name] = _TensorRef(storage, 0, tuple(array.shape), stride)
    pickle.dump(MAGIC, file, protocol=2)
    pickle.dump(PROTOCOL, file, protocol=2)
    pickle.dump({"protocol_version": PROTOCOL, "little_endian": True,
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, file, protocol=2)
    _Pickler(file, protocol=2).dump(refs)
    pickle.dump([s.key for s in storages], file, protocol=2)
    for storage in storages:
        file.write(struct.pack("<q", storage.numel))
        file.write(storage.data.astype(storage.dtype.newbyteorder("<"), copy=False).tobytes())
