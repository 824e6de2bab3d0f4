"""Picture search: tiny Chinese-CLIP embeddings, the faiss index, incremental indexing."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import faiss
import numpy as np
import pytest
from PIL import Image

from errors import InvalidInput
from settings import Settings
from tests.pictures import shapes
from tools import faiss_index
from tools.faiss_index import FLAT, IVF, VectorIndex, recall_at_k
from tools.models import clip_identity, load_clip
from tools.retrieve import (
    ClipEmbedder,
    IndexModelMismatch,
    Library,
    LibraryEmpty,
    get_library,
)

N_PICTURES = 200


def make_pictures(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` distinct pictures in nested folders (indexing is recursive), PNG and JPEG."""

    def nested(root: Path, i: int) -> Path:
        sub = root / ("a" if i % 2 else "b") / f"{i:03d}"
        return sub.with_suffix(".png" if i % 3 else ".jpg")

    return shapes(folder, n, seed, path_for=nested)


class CountingEmbedder(ClipEmbedder):
    """The real tiny embedder, counting the pictures it is asked to embed."""

    def __init__(self, settings: Settings, fail_after_batches: int | None = None):
        super().__init__(settings)
        self.embedded = 0
        self.batches = 0
        self.fail_after_batches = fail_after_batches

    def embed_images(self, images):  # noqa: ANN001, ANN201 - same as the parent
        if self.fail_after_batches is not None and self.batches >= self.fail_after_batches:
            raise KeyboardInterrupt
        self.batches += 1
        self.embedded += len(images)
        return super().embed_images(images)


class OtherModelEmbedder(ClipEmbedder):
    """Another model: a different name and 32-d vectors (the tiny model's, cut and rescaled)."""

    @property
    def name(self) -> str:
        return "test/other-32"

    @property
    def dim(self) -> int:
        return 32

    def embed_images(self, images):  # noqa: ANN001, ANN201 - same as the parent
        return _cut(super().embed_images(images))

    def embed_texts(self, texts):  # noqa: ANN001, ANN201 - same as the parent
        return _cut(super().embed_texts(texts))


def _cut(vectors: np.ndarray) -> np.ndarray:
    out = np.ascontiguousarray(vectors[:, :32])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


# --- a library of 200 pictures indexed once for the read-only tests -------------------------


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_pictures(tmp_path_factory.mktemp("pictures"), N_PICTURES)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, model_cache: Path,
            pictures: list[Path]) -> tuple[Settings, Library]:
    settings = Settings.load(env={}, home=tmp_path_factory.mktemp("home"), profile="tiny",
                             device="cpu", model_cache=str(model_cache))
    library = Library.open(settings)
    report = library.index_folder(pictures[0].parent.parent, progress=False)
    assert (report.added, report.embedded, report.skipped_count) == (N_PICTURES, N_PICTURES, 0)
    assert report.total == N_PICTURES and report.index_kind == FLAT
    return settings, library


def copy_pictures(pictures: list[Path], dest: Path, n: int | None = None) -> list[Path]:
    root = pictures[0].parent.parent
    out = []
    for src in pictures[:n]:
        target = dest / src.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        out.append(target)
    return out


# --- the model ------------------------------------------------------------------------------


def test_tiny_chinese_clip_embeds_pictures_and_both_languages(settings: Settings) -> None:
    clip = load_clip(settings)
    assert clip is load_clip(settings)  # loaded once per process
    assert clip.name.startswith("cn_clip/tiny-") and clip.dim == 64
    assert str(clip.device) == "cpu"
    assert {str(p.dtype) for p in clip.model.parameters()} == {"torch.float32"}

    embedder = ClipEmbedder(settings, batch_size=4)
    assert (embedder.name, embedder.dim) == (clip.name, clip.dim)  # known without loading
    assert clip_identity(settings.with_(profile="sd-turbo")) == ("cn_clip/ViT-B-16", 512)
    assert clip_identity(settings.with_(profile="sdxl-turbo")) == ("cn_clip/ViT-L-14", 768)
    texts = embedder.embed_texts(["海边的日落", "a sunset by the sea", "一只戴帽子的猫"])
    assert texts.shape == (3, 64) and texts.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(texts, axis=1), 1.0, rtol=1e-5)
    assert not np.allclose(texts[0], texts[2])  # different Chinese texts, different vectors

    red = Image.new("RGB", (64, 64), (255, 0, 0))
    blue = Image.new("RGB", (100, 40), (0, 0, 255))  # any size: the model's transform resizes
    images = embedder.embed_images([red, blue, red, blue, red])  # more than one batch
    assert images.shape == (5, 64)
    np.testing.assert_allclose(np.linalg.norm(images, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(images[0], images[4], atol=1e-5)
    assert float(images[0] @ images[1]) < 0.9999


# --- search ---------------------------------------------------------------------------------


def test_every_indexed_picture_finds_itself_first(indexed, pictures: list[Path]) -> None:
    _, library = indexed
    for path in pictures:
        hits = library.search_image(path, k=3)
        assert hits[0].path == str(path), path
        assert hits[0].score == pytest.approx(1.0, abs=1e-4)
        assert hits[0].score > hits[1].score >= hits[2].score


def test_search_image_accepts_bytes_and_pil_pictures(indexed, pictures: list[Path]) -> None:
    _, library = indexed
    path = pictures[7]
    assert library.search_image(path.read_bytes(), k=1)[0].path == str(path)
    with Image.open(path) as img:
        assert library.search_image(img, k=1)[0].path == str(path)


def test_chinese_and_english_text_queries_return_k_results(indexed) -> None:
    _, library = indexed
    for query in ["海边的日落", "a red circle on a blue background"]:
        hits = library.search_text(query, k=10)
        assert len(hits) == 10
        assert len({h.path for h in hits}) == 10
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        assert all(Path(h.path).is_file() for h in hits)


def test_k_larger_than_library_returns_everything(indexed) -> None:
    _, library = indexed
    assert len(library.search_text("cat", k=1000)) == N_PICTURES


@pytest.mark.parametrize("k", [0, -1, 1001, 10**9, "5", 2.5, True])
def test_bad_k_is_refused(indexed, k) -> None:  # noqa: ANN001
    _, library = indexed
    with pytest.raises(InvalidInput, match="k must be"):
        library.search_text("cat", k=k)
    with pytest.raises(InvalidInput, match="k must be"):
        library.search_image(Image.new("RGB", (8, 8)), k=k)


def test_bad_text_queries_are_refused(indexed) -> None:
    _, library = indexed
    with pytest.raises(InvalidInput, match="empty"):
        library.search_text("   ")
    with pytest.raises(InvalidInput, match="characters long"):
        library.search_text("猫" * 5000)


def test_broken_query_images_are_refused(indexed, tmp_path: Path, pictures: list[Path]) -> None:
    _, library = indexed
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(pictures[1].read_bytes()[:200])
    text = tmp_path / "notes.jpg"
    text.write_text("this is not a picture")
    cases = [
        (truncated, f"query image {truncated} is not a readable picture"),
        (text, "not a readable picture"),
        (tmp_path / "missing.png", "does not exist"),
        (b"\x89PNG garbage", "the query image is not a readable picture"),
        (b"", "empty"),
        (12345, "must be a file path"),
    ]
    for query, message in cases:
        with pytest.raises(InvalidInput, match=message):
            library.search_image(query)


def test_searching_before_anything_is_indexed_says_so(settings: Settings) -> None:
    library = Library.open(settings)
    assert library.count == 0
    with pytest.raises(LibraryEmpty, match="index a folder first"):
        library.search_text("猫")


# --- indexing -------------------------------------------------------------------------------


def test_index_survives_a_restart(indexed, pictures: list[Path]) -> None:
    settings, _ = indexed
    reopened = Library(settings)  # a new object reads the files back
    assert reopened is not Library.open(settings)
    assert reopened.count == N_PICTURES
    assert reopened.search_image(pictures[42], k=1)[0].path == str(pictures[42])
    reopened.close()


def test_reindexing_an_unchanged_folder_embeds_nothing(settings: Settings, tmp_path: Path,
                                                       pictures: list[Path]) -> None:
    copies = copy_pictures(pictures, tmp_path / "pics", 40)
    embedder = CountingEmbedder(settings)
    library = Library.open(settings, embedder=embedder)
    first = library.index_folder(tmp_path / "pics", progress=False)
    assert (first.added, embedder.embedded) == (40, 40)

    again = Library.open(settings, embedder=embedder).index_folder(tmp_path / "pics",
                                                                   progress=False)
    assert embedder.embedded == 40  # nothing new went through the model
    assert (again.added, again.unchanged, again.removed, again.total) == (0, 40, 0, 40)

    # touched (same bytes, new mtime), renamed, duplicated and edited files
    os.utime(copies[0], ns=(time.time_ns(), time.time_ns() + 10**9))
    renamed = copies[1].with_name("renamed.png")
    copies[1].rename(renamed)
    duplicate = tmp_path / "pics" / "copy_of_2.png"
    shutil.copy(copies[2], duplicate)
    Image.new("RGB", (64, 64), (1, 2, 3)).save(copies[3])
    report = library.index_folder(tmp_path / "pics", progress=False)
    assert embedder.embedded == 41  # only the edited picture
    assert (report.moved, report.added, report.updated, report.removed) == (1, 1, 1, 0)
    assert library.count == 41
    assert library.search_image(renamed, k=1)[0].path == str(renamed)
    assert {h.path for h in library.search_image(copies[2], k=2)} == {str(copies[2]),
                                                                      str(duplicate)}
    assert library.search_image(copies[3], k=1)[0].path == str(copies[3])


def test_deleted_files_leave_the_results(settings: Settings, tmp_path: Path,
                                         pictures: list[Path]) -> None:
    copies = copy_pictures(pictures, tmp_path / "pics", 30)
    library = Library.open(settings)
    library.index_folder(tmp_path / "pics", progress=False)
    gone, query = copies[5], copies[5].read_bytes()
    assert library.search_image(query, k=1)[0].path == str(gone)
    gone.unlink()

    report = library.index_folder(tmp_path / "pics", progress=False)
    assert (report.removed, report.total) == (1, 29)
    assert str(gone) not in {h.path for h in library.search_image(query, k=30)}
    assert str(gone) not in {h.path for h in Library(settings).search_text("x", k=30)}

    assert library.remove(copies[6]) is True  # the API call: file stays, index forgets it
    assert library.remove(copies[6]) is False
    assert copies[6].exists() and library.count == 28


def test_unreadable_and_non_picture_files_are_skipped_and_counted(
    settings: Settings, tmp_path: Path, pictures: list[Path]
) -> None:
    folder = tmp_path / "pics"
    copy_pictures(pictures, folder, 5)
    (folder / "notes.jpg").write_text("not a picture")
    (folder / "cut.png").write_bytes(pictures[0].read_bytes()[:100])
    (folder / "empty.webp").write_bytes(b"")
    (folder / "readme.txt").write_text("ignored: not a picture extension")
    report = Library.open(settings).index_folder(folder, progress=False)
    assert report.added == 5 and report.total == 5
    assert sorted(Path(p).name for p, _ in report.skipped) == ["cut.png", "empty.webp",
                                                              "notes.jpg"]
    assert all(why for _, why in report.skipped)


def test_empty_or_missing_folder_is_refused_and_changes_nothing(
    settings: Settings, tmp_path: Path, pictures: list[Path]
) -> None:
    library = Library.open(settings)
    library.index_folder(copy_pictures(pictures, tmp_path / "pics", 3)[0].parent.parent,
                         progress=False)
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "notes.txt").write_text("no pictures here")
    with pytest.raises(InvalidInput, match=f"no pictures .* found in {empty}"):
        library.index_folder(empty, rebuild=True)
    with pytest.raises(InvalidInput, match="does not exist"):
        library.index_folder(tmp_path / "nowhere")
    with pytest.raises(InvalidInput, match="batch size"):
        library.index_folder(tmp_path / "pics", batch_size=0)
    assert Library(settings).count == 3  # a refused --rebuild lost nothing


def test_index_built_with_another_model_is_refused(settings: Settings, tmp_path: Path,
                                                   pictures: list[Path]) -> None:
    copies = copy_pictures(pictures, tmp_path / "pics", 10)
    folder = tmp_path / "pics"
    Library.open(settings).index_folder(folder, progress=False)

    other = Library.open(settings, embedder=OtherModelEmbedder(settings))
    for attempt in (lambda: other.search_text("猫"),
                    lambda: other.search_image(pictures[0]),
                    lambda: other.index_folder(folder, progress=False)):
        with pytest.raises(IndexModelMismatch,
                           match=r"built with cn_clip/tiny-\w+ \(64-d.*uses test/other-32 "
                                 r"\(32-d\).*python bot.py index DIR --rebuild"):
            attempt()
    assert other.count == 10  # refused, not destroyed

    report = other.index_folder(folder, progress=False, rebuild=True)
    assert report.added == 10 and other.model_name == "test/other-32"
    assert other.search_image(copies[4], k=1)[0].path == str(copies[4])
    with pytest.raises(IndexModelMismatch, match="built with test/other-32"):
        Library(settings).search_text("猫")


def test_an_interrupted_run_resumes_where_it_stopped(settings: Settings, tmp_path: Path,
                                                     pictures: list[Path]) -> None:
    folder = copy_pictures(pictures, tmp_path / "pics", 50)[0].parent.parent
    failing = CountingEmbedder(settings, fail_after_batches=2)
    with pytest.raises(KeyboardInterrupt):
        Library.open(settings, embedder=failing).index_folder(
            folder, batch_size=10, progress=False, save_every=0
        )
    assert Library(settings).count == 20  # two batches were saved before the stop

    resumed = CountingEmbedder(settings)
    report = Library.open(settings, embedder=resumed).index_folder(folder, progress=False)
    assert resumed.embedded == 30 and (report.added, report.unchanged) == (30, 20)


def test_large_libraries_use_the_approximate_index(settings: Settings, tmp_path: Path,
                                                   pictures: list[Path]) -> None:
    settings = settings.with_(index_exact_limit=50)
    folder = tmp_path / "pics"
    copies = copy_pictures(pictures, folder)
    library = Library.open(settings)
    report = library.index_folder(folder, progress=False)
    assert report.index_kind == IVF
    spec = library.spec
    assert spec is not None and spec.nlist > 1 and 1 <= spec.nprobe <= spec.nlist
    reopened = Library(settings)
    assert reopened.index_kind == IVF
    for path in copies[::7]:
        assert reopened.search_image(path, k=5)[0].path == str(path)
    assert len(reopened.search_text("海边的日落", k=10)) == 10

    for path in copies[60:]:  # shrink under the limit: back to the exact index
        path.unlink()
    report = reopened.index_folder(folder, progress=False)
    assert (report.removed, report.total, report.index_kind) == (140, 60, IVF)
    for path in copies[45:60]:
        path.unlink()
    assert reopened.index_folder(folder, progress=False).index_kind == FLAT
    assert reopened.search_image(copies[3], k=1)[0].path == str(copies[3])


def test_a_shared_library_sees_another_process_updates(settings: Settings, tmp_path: Path,
                                                       pictures: list[Path]) -> None:
    shared_library = Library.open(settings)
    assert shared_library is get_library(settings) is Library.open(settings)
    assert Library(settings) is not shared_library
    assert shared_library.count == 0
    copies = copy_pictures(pictures, tmp_path / "pics", 12)
    writer = Library(settings)  # stands in for `bot.py index` in another process
    writer.index_folder(tmp_path / "pics", progress=False)
    assert shared_library.count == 12
    assert shared_library.search_image(copies[4], k=1)[0].path == str(copies[4])


# --- the faiss layer on its own -------------------------------------------------------------


def clustered(n: int, dim: int, clusters: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    x = centres[rng.integers(0, clusters, n)] + rng.standard_normal((n, dim)).astype(
        np.float32
    ) * np.float32(1.0)
    faiss.normalize_L2(x)
    return x


def test_ivf_index_reaches_its_recall_target_and_keeps_ids() -> None:
    data = clustered(20_200, 64, 50)
    x, queries = data[:20_000], data[20_000:]  # held-out queries from the same clusters
    ids = np.arange(1_000, 21_000, dtype=np.int64)
    ivf = VectorIndex.build(ids, x, IVF, target_recall=0.95)
    assert ivf.spec.nlist == faiss_index.nlist_for(20_000) and ivf.spec.tuned_recall >= 0.95
    _, truth = faiss.knn(queries, x, 10, metric=faiss.METRIC_INNER_PRODUCT)
    _, found = ivf.search(queries, 10)
    assert recall_at_k(found, ids[truth], 10) >= 0.95

    assert ivf.remove([1_000, 1_001, 5]) == 2 and ivf.ntotal == 19_998
    got_ids, got_vectors = ivf.items()
    order = np.argsort(got_ids)
    assert np.array_equal(got_ids[order], ids[2:])
    np.testing.assert_array_equal(got_vectors[order], x[2:])
    assert ivf.needs_rebuild(exact_limit=50_000) and not ivf.needs_rebuild(exact_limit=100)
    assert ivf.rebuilt(exact_limit=50_000).spec.kind == FLAT


@pytest.mark.gpu
def test_real_chinese_clip_ranks_matching_text_first(tmp_path: Path) -> None:
    """ViT-B-16 with its downloaded weights: a red picture is "红色", a blue one "blue"."""
    settings = Settings.load(home=tmp_path / "home", profile="sd-turbo")
    if not (settings.models_dir / "cn_clip" / "clip_cn_vit-b-16.pt").is_file():
        pytest.skip(f"Chinese-CLIP ViT-B-16 weights not in {settings.models_dir / 'cn_clip'}")
    embedder = ClipEmbedder(settings)
    assert embedder.name == "cn_clip/ViT-B-16" and embedder.dim == 512
    folder = tmp_path / "pics"
    folder.mkdir()
    Image.new("RGB", (224, 224), (220, 20, 20)).save(folder / "red.png")
    Image.new("RGB", (224, 224), (20, 20, 220)).save(folder / "blue.png")
    library = Library.open(settings, embedder=embedder)
    library.index_folder(folder, progress=False)
    assert library.search_text("一张红色的图片", k=1)[0].path.endswith("red.png")
    assert library.search_text("a blue picture", k=1)[0].path.endswith("blue.png")
