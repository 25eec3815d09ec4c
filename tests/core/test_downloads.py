"""core.downloads: fetched from a local HTTP server the test starts (never the network)."""
import functools
import hashlib
import http.server
import threading

import pytest

from core.downloads import DownloadUnavailable, cache_dir, fetch


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_fetch_checks_the_checksum_reports_progress_and_keeps_the_file(server, tmp_path):
    folder, url = server
    payload = bytes(range(256)) * 8000  # 2 MB: several progress steps
    (folder / "weights.bin").write_bytes(payload)
    steps = []
    path = fetch(f"{url}/weights.bin", tmp_path / "cache" / "weights.bin",
                 sha256=hashlib.sha256(payload).hexdigest(), size=len(payload),
                 progress=lambda fraction, text: steps.append((fraction, text)))
    assert path.read_bytes() == payload
    assert steps[-1][0] == 1.0 and len(steps) >= 3
    assert all(a[0] <= b[0] for a, b in zip(steps, steps[1:]))
    (folder / "weights.bin").unlink()  # a second call uses the kept file, without the server's copy
    assert fetch(f"{url}/weights.bin", path, sha256=hashlib.sha256(payload).hexdigest()) == path


def test_a_wrong_checksum_or_size_keeps_nothing(server, tmp_path):
    folder, url = server
    (folder / "model.dat").write_bytes(b"not the model")
    target = tmp_path / "model.dat"
    with pytest.raises(DownloadUnavailable, match="not the expected file"):
        fetch(f"{url}/model.dat", target, sha256="0" * 64)
    with pytest.raises(DownloadUnavailable, match="larger than"):
        fetch(f"{url}/model.dat", target, size=4)
    assert not target.exists() and list(tmp_path.iterdir()) == [folder.parent / "served"]


def test_offline_is_a_sentence_not_a_traceback(tmp_path):
    with pytest.raises(DownloadUnavailable, match="could not be downloaded.*offline"):
        fetch("http://127.0.0.1:9/none.bin", tmp_path / "none.bin", timeout=2)
    with pytest.raises(DownloadUnavailable, match="could not be downloaded"):
        fetch(f"file://{tmp_path}/missing.bin", tmp_path / "x.bin")


def test_cache_dir_is_a_plain_folder_under_the_cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("IPCV_CACHE", str(tmp_path))
    assert cache_dir("yolo") == tmp_path / "yolo" and (tmp_path / "yolo").is_dir()
    for bad in ("../x", "", "a/b"):
        with pytest.raises(ValueError):
            cache_dir(bad)
