"""Pretrained networks: the legacy torch reader, EfficientNet-Lite0 on bundled photos, Grad-CAM, transfer learning,
the keras.applications download path (a local server, never the network) and bad input of every kind."""
import functools
import http.server
import io
import pickle
import threading
import zipfile

import numpy as np
import pytest

from core.gallery import load_sample
from core.pretrained import applications, efficientnet, labels, transfer
from core.pretrained.torch_pickle import load_legacy, save_legacy


# -- the legacy torch format ------------------------------------------------------------------------------------

def test_reader_round_trips_a_file_written_in_the_legacy_layout():
    state = {"conv.weight": np.random.default_rng(0).normal(size=(4, 3, 3, 3)).astype(np.float32),
             "bn.num_batches_tracked": np.array(7, np.int64), "ids": np.arange(5, dtype=np.int32),
             "half": np.linspace(0, 1, 6, dtype=np.float16).reshape(2, 3)}
    buffer = io.BytesIO()
    save_legacy(state, buffer)
    assert buffer.getvalue()[:2] == b"\x80\x02"  # a pickle, not a zip
    read = load_legacy(buffer.getvalue())
    assert list(read) == list(state)
    for name, value in state.items():
        assert read[name].dtype == value.dtype and np.array_equal(read[name], value)


def test_reader_refuses_code_a_zip_and_a_truncated_file():
    class Evil:
        def __reduce__(self):
            import os
            return os.system, ("echo pwned",)

    buffer = io.BytesIO()
    for value in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
        pickle.dump(value, buffer, protocol=2)
    pickle.dump(Evil(), buffer, protocol=2)
    with pytest.raises(ValueError, match="not a readable"):
        load_legacy(buffer.getvalue())
    with pytest.raises(ValueError, match="zip-format"):
        load_legacy(b"PK\x03\x04" + b"\0" * 40)
    good = io.BytesIO()
    save_legacy({"w": np.ones(1000, np.float32)}, good)
    with pytest.raises(ValueError, match="truncated"):
        load_legacy(good.getvalue()[:-100])


def test_the_real_weights_file_has_the_lite0_layout_and_known_values():
    state = load_legacy(efficientnet.weights_path())
    efficientnet.check_state(state)  # every block's kernel and channels, no squeeze-excite
    assert len(state) == 296
    assert state["_fc.weight"].shape == (1000, 1280)
    assert sum(v.size for k, v in state.items() if "running" not in k and "num_batches" not in k) == 4_652_008
    assert state["_fc.bias"].sum() == pytest.approx(-0.0498169, abs=1e-5)
    assert state["_conv_stem.weight"][0, 0, 0, 0] == pytest.approx(-1.110336, abs=1e-5)
    assert state["_blocks.15._project_conv.weight"].astype(np.float64).sum() == pytest.approx(39.966097, abs=1e-4)


# -- ImageNet classification and Grad-CAM ---------------------------------------------------------------------

def test_efficientnet_lite0_names_the_bundled_photos():
    coffee = labels.top_k(efficientnet.classify(load_sample("coffee")), 5)
    assert coffee[0][1] == "espresso" and coffee[0][2] > 0.8
    cat = labels.top_k(efficientnet.classify(load_sample("chelsea")), 5)
    assert cat[0][0] in (281, 282, 283, 285) and sum(p for i, _, p in cat if i in (281, 282, 285)) > 0.6
    assert labels.class_names()[967].startswith("espresso") and len(labels.class_names()) == 1000


def test_numpy_lite0_equals_the_keras_rebuild_and_its_grad_cam_equals_the_gradient_tape():
    import keras
    import tensorflow as tf

    from core.pretrained import lite0_numpy
    from core.pretrained.gradcam import grad_cam, network_pass

    for name, crop in (("coffee", True), ("chelsea", False), ("astronaut", True)):
        batch = efficientnet.prepare(load_sample(name), crop=crop)[None]
        features, logits = lite0_numpy.forward(batch)
        keras_p = efficientnet.predict(batch)[0]
        np.testing.assert_allclose(lite0_numpy.softmax(logits)[0], keras_p, atol=2e-5)
        assert list(np.argsort(-logits[0])[:5]) == list(np.argsort(-keras_p)[:5])
    image = load_sample("chelsea")  # Grad-CAM as the paper defines it, by automatic differentiation
    net = efficientnet.model()
    both = keras.Model(net.inputs[0], [net.get_layer(efficientnet.LAST_CONV).output, net.get_layer("logits").output])
    batch = tf.convert_to_tensor(efficientnet.prepare(image, crop=False)[None])
    for index in (None, 5):
        with tf.GradientTape() as tape:
            maps, scores = both(batch, training=False)
            chosen = int(tf.argmax(scores[0])) if index is None else index
            score = scores[:, chosen]
        weights = tape.gradient(score, maps)[0].numpy().mean(axis=(0, 1))
        expected = np.maximum(np.tensordot(maps[0].numpy(), weights, axes=([2], [0])), 0)
        expected /= expected.max()
        cam = grad_cam(image, index)
        assert cam.class_index == chosen
        np.testing.assert_allclose(cam.coarse, expected, atol=1e-4)
        np.testing.assert_array_equal(grad_cam(image, index, network=network_pass(image)).heatmap, cam.heatmap)


def test_grad_cam_peaks_inside_the_object():
    from core.pretrained.gradcam import grad_cam, overlay

    image = load_sample("coffee")  # 400×600; the cup and saucer: x 80-480, y 10-330 (measured by hand)
    cam = grad_cam(image)
    assert labels.short_name(cam.class_index) == "espresso"
    y, x = np.unravel_index(np.argmax(cam.heatmap), cam.heatmap.shape)
    assert 150 <= x <= 420 and 20 <= y <= 250  # in the cup
    inside = np.zeros(image.shape[:2], bool)
    inside[10:330, 80:480] = True
    assert cam.heatmap[inside].mean() > 3 * cam.heatmap[~inside].mean()
    assert overlay(image, cam.heatmap).shape == image.shape


@pytest.mark.parametrize("mode", ["RGBA", "P", "I;16", "L"])
def test_odd_image_modes_decode_and_classify(mode):
    from PIL import Image

    from core.image import decode_image

    rgb = (load_sample("coffee") * 255).astype(np.uint8)
    pil = Image.fromarray(rgb)
    if mode == "RGBA":
        pil = pil.convert("RGBA")
    elif mode == "P":
        pil = pil.convert("P", palette=Image.ADAPTIVE)
    elif mode == "I;16":
        pil = Image.fromarray((np.asarray(pil.convert("L"), np.uint16) * 257))
    else:
        pil = pil.convert("L")
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG")
    image, info = decode_image(buffer.getvalue(), max_side=512)
    p = efficientnet.classify(image)
    assert p.shape == (1000,) and abs(p.sum() - 1) < 1e-3
    if mode in ("RGBA", "P"):
        assert labels.top_k(p, 5)[0][1] in ("espresso", "cup")


def test_corrupt_and_tiny_images_are_refused_clearly():
    from core.image import decode_image
    from core.registry import get_method

    with pytest.raises(ValueError, match="could not be read"):
        decode_image(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    buffer = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (1, 1)).save(buffer, format="PNG")
    with pytest.raises(ValueError, match="at least"):
        decode_image(buffer.getvalue())
    with pytest.raises(ValueError, match="too small"):
        get_method("classify_imagenet", "efficientnet_lite0").run(np.zeros((1, 1, 3), np.float32))


# -- keras.applications: preprocessing, decoding, the download path ------------------------------------------

def test_each_application_has_its_size_and_preprocessing():
    image = load_sample("coffee")
    for key, app in applications.APPLICATIONS.items():
        batch = applications.preprocess(key, image)
        assert batch.shape == (1, app.size, app.size, 3)
        if app.preprocessing.startswith("tf"):
            assert -1.0 <= batch.min() and batch.max() <= 1.0
        else:  # caffe: BGR minus the mean, roughly centred
            assert batch.min() < -50 and batch.max() > 50
    assert applications.APPLICATIONS["inception_v3"].size == applications.APPLICATIONS["xception"].size == 299


@functools.lru_cache(maxsize=1)
def _mobilenet_weights() -> bytes:
    """A legacy-h5 weights file of MobileNetV2's layout (random weights), as keras's download would be."""
    import tempfile

    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    model = keras.applications.MobileNetV2(weights=None, input_shape=(224, 224, 3))
    with tempfile.NamedTemporaryFile(suffix=".h5") as file:
        with h5py.File(file.name, "w") as h5:
            legacy_h5_format.save_weights_to_hdf5_group(h5, model)
        return open(file.name, "rb").read()


@pytest.fixture
def weights_server(tmp_path, monkeypatch):
    """A local http.server holding the MobileNetV2 file and a wrong ResNet50 file; the cache in tmp_path."""
    root = tmp_path / "served"
    (root / "mobilenet_v2").mkdir(parents=True)
    (root / "resnet").mkdir()
    (root / applications.APPLICATIONS["mobilenet_v2"].path).write_bytes(_mobilenet_weights())
    (root / applications.APPLICATIONS["resnet50"].path).write_bytes(b"not the weights" * 1000)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("IPCV_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(applications, "BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/")
    yield server
    server.shutdown()


def test_download_path_fetches_checks_caches_and_builds(weights_server):
    from core.downloads import DownloadUnavailable
    from core.registry import get_method

    seen = []
    path = applications.weights_file("mobilenet_v2", progress=lambda f, m="": seen.append(f))
    assert path.read_bytes() == _mobilenet_weights() and seen[-1] == 1.0
    assert applications.cached_file("mobilenet_v2") == path
    assert "mobilenet_v2" in applications.weights_state()
    output = get_method("classify_imagenet", "mobilenet_v2").run(load_sample("coffee"), "imagenet")
    assert output.image.shape == (1000,) and len(output.extras["top"]) == 5
    net = applications.model("mobilenet_v2", path)  # the same file gives the same network
    expected = np.asarray(net(applications.preprocess("mobilenet_v2", load_sample("coffee"))))[0]
    assert np.allclose(output.image, expected / expected.sum(), atol=1e-5)
    with pytest.raises(DownloadUnavailable, match="MD5"):  # keras's checksum is checked
        applications.weights_file("resnet50")
    assert applications.cached_file("resnet50") is None


def test_offline_the_download_models_say_so(monkeypatch, tmp_path):
    from core.registry import get_method
    from core.tasks.protocol import MissingInput

    monkeypatch.setenv("IPCV_CACHE", str(tmp_path))
    monkeypatch.setattr(applications, "BASE_URL", "http://127.0.0.1:9/")  # nothing listens there
    with pytest.raises(MissingInput, match="needs its ImageNet weights"):
        get_method("classify_imagenet", "vgg16").run(load_sample("coffee"), "imagenet")


# -- transfer learning ----------------------------------------------------------------------------------------

def test_transfer_learning_beats_chance_on_the_example_set():
    from core.registry import get_method

    images = transfer.example_set(per_class=8, seed=1)
    assert images.images.shape == (32, 224, 224, 3) and images.synthetic
    logistic = get_method("transfer", "logistic").run(images.images, images.labels)
    assert logistic.extras["chance"] == pytest.approx(0.25)
    assert logistic.extras["accuracy"] >= 0.75
    head = get_method("transfer", "dense_head").run(images.images, images.labels, params={"epochs": 20})
    assert head.extras["accuracy"] > 0.5 and len(head.extras["curves"]["val accuracy"]) == 20
    assert np.allclose(head.image.sum(axis=1), 1)


def test_split_is_stratified_and_disjoint():
    y = np.repeat(np.arange(3), [4, 6, 10])
    train, val, test = transfer.split(y, 0.3, 0, validation=0.2)
    assert not (set(train) & set(test)) and not (set(val) & set(test)) and not (set(train) & set(val))
    assert len(train) + len(val) + len(test) == len(y)
    for c in range(3):
        assert (y[train] == c).any() and (y[test] == c).any()


def _zip(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _jpeg(seed: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_class_zip_reads_folders_and_notes_what_it_skipped():
    data = _zip({"cats/a.jpg": _jpeg(0), "cats/b.jpg": _jpeg(1), "dogs/a.jpg": _jpeg(2), "dogs/b.jpg": _jpeg(3),
                 "dogs/broken.jpg": b"\xff\xd8\xff garbage", "loose.jpg": _jpeg(4), "fish/only.jpg": _jpeg(5)})
    images = transfer.load_class_zip(data)
    assert images.names == ["cats", "dogs"] and images.images.shape == (4, 224, 224, 3)
    assert images.images.dtype == np.uint8 and list(np.bincount(images.labels)) == [2, 2]
    notes = " ".join(images.notes)
    assert "outside any class folder" in notes and "skipped" in notes and "single image" in notes


@pytest.mark.parametrize("data,message", [
    (_zip({}), "empty"),
    (b"PK\x03\x04 this is not really a zip", "not a zip"),
    (_zip({"cats/a.jpg": _jpeg(0), "cats/b.jpg": _jpeg(1)}), "at least two classes"),
    (_zip({"../evil/a.jpg": _jpeg(0), "cats/b.jpg": _jpeg(1)}), "outside"),
    (_zip({"/abs/a.jpg": _jpeg(0)}), "outside"),
    (_zip({"cats/bomb.png": b"\0" * (300 * 2 ** 20)}), "zip bomb"),
    (_zip({"notes/readme.txt": b"hello"}), "No readable images"),
], ids=["empty", "not-a-zip", "one-class", "dotdot-path", "absolute-path", "zip-bomb", "no-images"])
def test_bad_zips_are_refused_with_a_reason(data, message):
    with pytest.raises(ValueError, match=message):
        transfer.load_class_zip(data)


def test_too_many_entries_are_refused(monkeypatch):
    monkeypatch.setattr(transfer, "MAX_ZIP_ENTRIES", 5)
    with pytest.raises(ValueError, match="entries"):
        transfer.load_class_zip(_zip({f"c{i}/x.jpg": b"x" for i in range(6)}))
