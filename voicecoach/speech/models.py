"""Vosk speech models: a small catalog, where models live, and a safe download.

A vosk model is a folder holding ``am/final.mdl`` and ``conf/``. Models are looked up in
order: an explicit ``--model PATH``, ``$VOICECOACH_MODEL``, the repository's ``models/``
folder (source checkouts only) and the user data dir (``platformdirs``). Downloads go to the
user data dir unless told otherwise, and are installed only after every check passed:

1. stream the archive with urllib into a temporary folder next to the destination;
2. check the byte count (Content-Length, catalog size) and the catalog's SHA-256;
3. unzip refusing absolute paths, ``..`` members, symlinks and too much data;
4. check the model layout (and, if asked, load it with vosk);
5. swap it into place with renames, so a good model is never replaced by a broken one.

Where a size or SHA-256 is unknown (``None``, e.g. for an archive given with ``--url``), the
download is accepted on its layout alone; ``voicecoach models verify`` then loads it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import http.client
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import ModelError

log = logging.getLogger(__name__)

ENV_VAR = "VOICECOACH_MODEL"
MARKER = "voicecoach-model.json"
MAX_ARCHIVE_BYTES = 2 * 1024**3
MAX_UNPACKED_BYTES = 4 * 1024**3
_CHUNK = 256 * 1024
_TOO_BIG = "refusing archive: it unpacks to more than the allowed size; check --url"
_PACKAGE_DIR = Path(__file__).resolve().parent

Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A downloadable vosk model."""

    name: str
    """Short name used on the command line, e.g. ``small-en-us``."""
    url: str
    """Where the official archive lives."""
    folder: str
    """The model folder inside the zip, and the folder name once installed."""
    lang: str
    """Language code the coach asks for, e.g. ``en``."""
    size: int | None
    """Archive size in bytes, or None when unknown (then not checked)."""
    sha256: str | None
    """Archive SHA-256 (hex), or None when unknown (then only the layout is checked)."""
    description: str = ""


# Sizes and digests of the published archives, as pinned by several independent projects
# (the vosk site itself publishes no digests).
CATALOG: dict[str, CatalogEntry] = {
    e.name: e
    for e in (
        CatalogEntry(
            name="small-en-us",
            url="https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
            folder="vosk-model-small-en-us-0.15",
            lang="en",
            size=41_205_931,
            sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
            description="small US English, grammar-capable (40 MB)",
        ),
        CatalogEntry(
            name="en-us-0.22-lgraph",
            url="https://alphacephei.com/vosk/models/vosk-model-en-us-0.22-lgraph.zip",
            folder="vosk-model-en-us-0.22-lgraph",
            lang="en",
            size=130_557_655,
            sha256="d9838b4aaa82a75c4a17f5aca300eaca129aaab2a7cbf951bafbb500eb9c4334",
            description="larger US English, grammar-capable (128 MB)",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One line of ``models list``: an installed model or a catalog entry."""

    name: str
    lang: str | None
    path: Path | None
    """Where it is installed, or None for a catalog entry not installed anywhere."""
    source: str
    """``--model``, ``$VOICECOACH_MODEL``, ``repo``, ``user`` or ``catalog``."""


@dataclass(frozen=True, slots=True)
class VerifyResult:
    path: Path
    ok: bool
    error: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class DownloadResult:
    path: Path
    downloaded: bool
    """False when a good model was already installed and kept."""


# --------------------------------------------------------------------------- finding


def is_vosk_model_dir(path: str | Path) -> bool:
    """True when ``path`` looks like a vosk model: ``am/final.mdl`` and ``conf/``."""
    p = Path(path)
    return (p / "am" / "final.mdl").is_file() and (p / "conf").is_dir()


def user_models_dir() -> Path:
    """The per-user folder downloads go to by default."""
    import platformdirs

    return Path(platformdirs.user_data_dir("voicecoach")) / "models"


def _source_models_dir() -> Path | None:
    """The repository's ``models/`` folder, when running from a source checkout."""
    root = _PACKAGE_DIR.parent
    return root / "models" if (root / "pyproject.toml").is_file() else None


def _labelled_dirs(explicit: str | Path | None) -> list[tuple[str, Path]]:
    labelled: list[tuple[str, Path]] = []
    if explicit is not None and str(explicit):
        labelled.append(("--model", Path(explicit).expanduser()))
    if os.environ.get(ENV_VAR):
        labelled.append(("$" + ENV_VAR, Path(os.environ[ENV_VAR]).expanduser()))
    repo = _source_models_dir()
    if repo is not None:
        labelled.append(("repo", repo))
    labelled.append(("user", user_models_dir()))
    return labelled


def model_search_dirs(explicit: str | Path | None = None) -> list[Path]:
    """Where models are looked for, first match wins."""
    return [path for _, path in _labelled_dirs(explicit)]


def _read_marker(path: Path) -> dict[str, str]:
    try:
        data = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def model_lang(path: Path) -> str | None:
    """A model's language: marker file, catalog folder name, or ``vosk-model-[small-]LL``."""
    lang = _read_marker(path).get("lang")
    if isinstance(lang, str) and lang:
        return lang
    for entry in CATALOG.values():
        if entry.folder == path.name:
            return entry.lang
    match = re.match(r"vosk-model-(?:small-)?([a-z]{2,3})(?:-|$)", path.name)
    return match.group(1) if match else None


def model_name(path: Path) -> str:
    """The catalog name of an installed model, else its folder name."""
    name = _read_marker(path).get("name")
    if isinstance(name, str) and name:
        return name
    for entry in CATALOG.values():
        if entry.folder == path.name:
            return entry.name
    return path.name


def _rank(path: Path) -> tuple[int, str]:
    names = list(CATALOG)
    name = model_name(path)
    return (names.index(name) if name in names else len(names), path.name)


def _models_in(folder: Path) -> list[Path]:
    """Model folders directly inside ``folder`` (or ``folder`` itself), catalog order first."""
    if is_vosk_model_dir(folder):
        return [folder]
    try:
        children = [c for c in folder.iterdir() if not c.name.startswith(".")]
    except OSError:
        return []
    return sorted((c for c in children if is_vosk_model_dir(c)), key=_rank)


def _trusted(label: str, path: Path) -> Path:
    """An explicit path: a model folder, or a folder holding exactly one model."""
    found = _models_in(path)
    if len(found) == 1:
        return found[0]
    if not path.exists():
        what = "does not exist"
    else:
        what = "holds several models, name one" if found else "is not a vosk model folder"
    raise ModelError(f"{label} {path}: {what} (a model has am/final.mdl and conf/)")


def find_model(explicit: str | Path | None = None, lang: str = "en") -> Path | None:
    """The model to use for ``lang``, or None when none is installed.

    An explicit path or ``$VOICECOACH_MODEL`` is trusted as given (its language is not
    checked); when it is not a model folder this raises ModelError naming the path rather
    than silently using another model.
    """
    for label, folder in _labelled_dirs(explicit):
        if label in ("--model", "$" + ENV_VAR):
            return _trusted(label, folder)
        for candidate in _models_in(folder):
            if model_lang(candidate) == lang:
                return candidate
            log.debug("skipping %s: language %s, not %s", candidate, model_lang(candidate), lang)
    return None


def list_models(explicit: str | Path | None = None) -> list[ModelInfo]:
    """Every installed model in the search dirs, then catalog entries not installed."""
    infos: list[ModelInfo] = []
    for label, folder in _labelled_dirs(explicit):
        for path in _models_in(folder):
            infos.append(ModelInfo(model_name(path), model_lang(path), path, label))
    installed = {info.name for info in infos}
    for entry in CATALOG.values():
        if entry.name not in installed:
            infos.append(ModelInfo(entry.name, entry.lang, None, "catalog"))
    return infos


def catalog_entry(name: str) -> CatalogEntry:
    try:
        return CATALOG[name]
    except KeyError:
        known = ", ".join(CATALOG)
        raise ModelError(f"unknown model {name!r}; known models: {known}") from None


# --------------------------------------------------------------------------- verify / remove


@contextlib.contextmanager
def _captured_stderr_fd() -> Iterator[list[str]]:
    """Collect what C code writes to file descriptor 2 (vosk logs its errors there)."""
    lines: list[str] = []
    with tempfile.TemporaryFile(mode="w+b") as sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines.extend(sink.read().decode("utf-8", "replace").splitlines())


def _vosk_reason(lines: list[str]) -> str:
    errors = [line for line in lines if "ERROR" in line]
    if not errors:
        return "vosk could not load it"
    return re.sub(r"^ERROR \(.*?:\d+\)\s*", "", errors[0]).strip()


def verify(path: str | Path) -> VerifyResult:
    """Load the model with vosk (as the recognizer will) and report ok or the error."""
    p = Path(path).expanduser()
    if not is_vosk_model_dir(p):
        return VerifyResult(p, False, "not a vosk model folder (needs am/final.mdl and conf/)")
    try:
        import vosk
    except ImportError as exc:
        raise ModelError(f"cannot verify {p}: vosk is not installed; pip install vosk") from exc
    vosk.SetLogLevel(-1)
    start = time.perf_counter()
    with _captured_stderr_fd() as lines:
        try:
            model = vosk.Model(str(p))
        except Exception:  # vosk raises a bare Exception on any load failure
            model = None
    seconds = time.perf_counter() - start
    if model is None:
        return VerifyResult(p, False, _vosk_reason(lines), seconds)
    del model
    return VerifyResult(p, True, None, seconds)


def remove(name: str, dest_dir: str | Path | None = None) -> Path:
    """Delete an installed model by catalog or folder name; returns where it was."""
    folders = [Path(dest_dir)] if dest_dir else [user_models_dir(), _source_models_dir()]
    for folder in (f for f in folders if f is not None):
        for path in _models_in(folder):
            if name in (model_name(path), path.name):
                try:
                    _discard(path)
                except OSError as exc:
                    raise ModelError(f"cannot remove {path}: {exc.strerror}") from exc
                return path
    raise ModelError(f"no installed model named {name!r}; see: voicecoach models list")


def _discard(path: Path) -> None:
    """Delete a model folder (or a symlink to one) by renaming it aside first, so an
    interrupted delete leaves no half model under the real name."""
    if path.is_symlink():
        path.unlink()
        return
    aside = path.with_name(f".voicecoach-rm-{path.name}-{os.getpid()}")
    os.replace(path, aside)
    shutil.rmtree(aside, ignore_errors=True)


# --------------------------------------------------------------------------- download


def download(
    name: str | CatalogEntry,
    dest_dir: str | Path | None = None,
    url: str | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
    *,
    sha256: str | None = None,
    force: bool = False,
    load_check: bool = False,
    max_unpacked: int = MAX_UNPACKED_BYTES,
) -> DownloadResult:
    """Download, check and install a model; see the module docstring for the steps.

    ``url`` replaces the catalog's URL; the catalog's size and SHA-256 then no longer apply
    (pass ``sha256`` to check the other archive; a given ``sha256`` always wins). An
    installed good model is kept unless ``force``; even then it is swapped out only after
    the new one passed every check.
    ``load_check`` also loads the new model with vosk before installing it.
    """
    entry = name if isinstance(name, CatalogEntry) else catalog_entry(name)
    if url is not None:
        entry = dataclasses.replace(entry, url=url, size=None, sha256=None)
    if sha256 is not None:
        entry = dataclasses.replace(entry, sha256=sha256.lower())
    dest = Path(dest_dir).expanduser() if dest_dir else user_models_dir()
    target = dest / entry.folder
    if is_vosk_model_dir(target) and not force:
        log.info("%s already installed at %s", entry.name, target)
        return DownloadResult(target, downloaded=False)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".voicecoach-dl-", dir=dest))
    except OSError as exc:
        raise ModelError(f"cannot write to {dest}: {exc.strerror}; pick another --dest") from exc
    try:
        archive = work / "archive.zip"
        _fetch(entry, archive, progress, timeout)
        model = _locate_model(_safe_unzip(archive, work / "unpacked", max_unpacked), entry)
        if load_check:
            _require_loadable(model)
        _write_marker(model, entry)
        _swap_into_place(model, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return DownloadResult(target, downloaded=True)


def _fetch(entry: CatalogEntry, out: Path, progress: Progress | None, timeout: float) -> None:
    scheme = entry.url.split(":", 1)[0].lower()
    if scheme not in ("http", "https", "file"):
        raise ModelError(f"cannot download {entry.url!r}: only http, https and file URLs work")
    try:
        digest = _stream(entry, out, progress, timeout)
    except urllib.error.HTTPError as exc:
        raise ModelError(f"download failed: {entry.url} answered {exc.code} {exc.reason}; "
                         "check the name or --url") from exc
    except urllib.error.URLError as exc:
        raise ModelError(f"download failed: cannot reach {entry.url} ({exc.reason}); "
                         "check the network or --url") from exc
    except (OSError, http.client.HTTPException) as exc:
        reason = str(exc) or type(exc).__name__
        raise ModelError(f"download failed: {entry.url}: {reason}; try again") from exc
    if entry.sha256 is not None and digest != entry.sha256:
        raise ModelError(f"download of {entry.name} is corrupt (SHA-256 {digest[:12]}…, "
                         f"expected {entry.sha256[:12]}…); try again")


def _stream(entry: CatalogEntry, out: Path, progress: Progress | None, timeout: float) -> str:
    """Copy the URL to ``out``; returns the SHA-256; raises ModelError on a wrong size."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(entry.url, timeout=timeout) as resp, out.open("wb") as fh:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else entry.size
        _check_size(entry, total, exact=False)
        limit = min(total or MAX_ARCHIVE_BYTES, MAX_ARCHIVE_BYTES)
        done = 0
        if progress:
            progress(0, total)
        while chunk := resp.read(_CHUNK):
            done += len(chunk)
            if done > limit:
                raise ModelError(f"download of {entry.name} is larger than expected "
                                 f"({limit} bytes); check --url")
            digest.update(chunk)
            fh.write(chunk)
            if progress:
                progress(done, total)
    if total is not None and done != total:
        raise ModelError(f"download of {entry.name} was cut off at {done} of {total} bytes; "
                         "try again")
    _check_size(entry, done, exact=True)
    return digest.hexdigest()


def _check_size(entry: CatalogEntry, size: int | None, exact: bool) -> None:
    if entry.size is None or size is None or size == entry.size:
        return
    what = "has" if exact else "offers"
    raise ModelError(f"download of {entry.name} {what} {size} bytes, expected {entry.size}; "
                     "check --url or try again")


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    if ".." in name.split("/"):
        return "a '..' path"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symlink"
    return None


def _safe_unzip(archive: Path, root: Path, max_bytes: int) -> Path:
    """Extract ``archive`` under ``root``, refusing anything that could escape or explode."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            for info in members:
                if problem := _member_problem(info):
                    raise ModelError(f"refusing archive: member {info.filename!r} is {problem}")
            if sum(info.file_size for info in members) > max_bytes:
                raise ModelError(_TOO_BIG)
            budget = max_bytes
            for info in members:
                budget = _extract_member(zf, info, root, budget)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise ModelError(f"downloaded file is not a valid zip archive ({exc}); try again") from exc
    except OSError as exc:
        raise ModelError(f"cannot unpack the archive: {exc}; check free space or --url") from exc
    return root


def _extract_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path, budget: int) -> int:
    """Write one member, counting real bytes against ``budget``; returns what is left."""
    out = root.joinpath(*[p for p in info.filename.replace("\\", "/").split("/") if p])
    if not out.resolve().is_relative_to(root.resolve()):
        raise ModelError(f"refusing archive: member {info.filename!r} leaves the folder")
    if info.is_dir():
        out.mkdir(parents=True, exist_ok=True)
        return budget
    out.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as src, out.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            budget -= len(chunk)
            if budget < 0:
                raise ModelError(_TOO_BIG)
            dst.write(chunk)
    return budget


def _locate_model(root: Path, entry: CatalogEntry) -> Path:
    """The model folder inside the unpacked archive: the catalog folder, the root, or the
    archive's single model folder."""
    if is_vosk_model_dir(root / entry.folder):
        return root / entry.folder
    found = _models_in(root)
    if len(found) == 1:
        return found[0]
    raise ModelError(f"archive for {entry.name} holds no single vosk model "
                     "(am/final.mdl and conf/); check --url")


def _require_loadable(model: Path) -> None:
    result = verify(model)
    if not result.ok:
        raise ModelError(f"downloaded model does not load in vosk ({result.error}); "
                         "nothing was installed")


def _write_marker(model: Path, entry: CatalogEntry) -> None:
    data = {"name": entry.name, "lang": entry.lang, "url": entry.url, "sha256": entry.sha256}
    (model / MARKER).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _swap_into_place(new: Path, target: Path) -> None:
    """Rename ``new`` to ``target`` (same file system, so atomic). An existing ``target`` is
    first renamed aside and renamed back if the swap fails; it is deleted only afterwards."""
    old = target.with_name(f".voicecoach-old-{target.name}-{os.getpid()}")
    had_old = target.exists() or target.is_symlink()
    try:
        if had_old:
            os.replace(target, old)
        try:
            os.replace(new, target)
        except BaseException:
            if had_old:
                os.replace(old, target)
            raise
    except OSError as exc:
        raise ModelError(f"cannot install into {target}: {exc.strerror}") from exc
    if had_old:
        _discard(old)
