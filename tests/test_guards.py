"""Guards a user relies on without seeing them, each written so that removing the guard
fails a test: one user's pictures are never another's, a one-reference style request draws,
an unchanged folder is not read again, and a same-size edit is re-embedded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.engine import Agent
from agent.types import Turn
from settings import Settings
from tests.pictures import png, shapes
from tests.test_agent import say
from tools import retrieve
from tools.retrieve import Library


@pytest.fixture
def agent(settings: Settings) -> Agent:
    return Agent(settings)


def test_an_intruder_who_has_chatted_cannot_reach_anothers_pictures(agent: Agent) -> None:
    alice = say(agent, "a red car", user="cli:alice").images[0]
    say(agent, "a blue boat", user="cli:mallory")  # the intruder has a user row and images
    assert not agent.owns_image("cli:mallory", alice.image_id)
    assert agent.image_number("cli:mallory", alice.image_id) is None
    # by button: a turn about alice's picture is refused, nothing is made
    pressed = agent.handle_turn(Turn(user="cli:mallory", text="variations",
                                     image_id=alice.image_id))
    assert pressed.error and pressed.images == []
    # by number: mallory's #1 is her own boat, never alice's car
    own = say(agent, "make #1 green", user="cli:mallory").images[0]
    assert "boat" in own.prompt and "car" not in own.prompt
    # by /open: only her own conversations
    opened = say(agent, "/open 2", user="cli:mallory")
    assert opened.error and "Say /open N with N from 1 to 1" in opened.text
    assert say(agent, "history", user="cli:alice").text.count("#") == 1


@pytest.mark.parametrize("text", ["a castle in the style of monet", "梵高风格的星空下的城堡"])
def test_a_style_named_in_words_draws_a_picture(agent: Agent, text: str) -> None:
    reply = say(agent, text)
    assert [i.number for i in reply.images] == [1] and not reply.error


def test_an_album_of_two_then_style_transfer_replies_with_the_picture(agent: Agent) -> None:
    saved = say(agent, "", pictures=[png((250, 250, 0)), png((0, 0, 250))])
    assert "saved as #1, #2" in saved.text
    styled = say(agent, "draw #1 in the style of #2")
    assert [i.number for i in styled.images] == [3] and not styled.error


def test_reindexing_an_unchanged_folder_reads_no_file(settings: Settings, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "pics"
    shapes(folder, 5, seed=2)
    library = Library(settings)
    library.index_folder(folder, progress=False)
    reads: list[str] = []
    real = retrieve._read_and_hash
    monkeypatch.setattr(retrieve, "_read_and_hash", lambda p: reads.append(p) or real(p))
    report = library.index_folder(folder, progress=False)
    assert reads == [] and report.unchanged == 5 and report.added == 0


def test_a_same_size_edit_is_embedded_again(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "pics"
    paths = shapes(folder, 3, seed=4)
    library = Library(settings)
    library.index_folder(folder, progress=False)
    target = paths[0]
    size = target.stat().st_size
    # new content of exactly the same byte size (a solid picture, padded after its end),
    # with a later mtime: what an editor's "save" can do
    edited = png((10, 200, 30))
    assert len(edited) < size
    target.write_bytes(edited + b"\0" * (size - len(edited)))
    st = target.stat()
    assert st.st_size == size
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    report = library.index_folder(folder, progress=False)
    assert (report.updated, report.unchanged) == (1, 2)
    # the stored vector is the new picture's: searching with it finds the file, exactly
    after = library.search_image(png((10, 200, 30)), k=1)[0]
    assert after.path == str(target) and after.score > 0.999


def test_the_picture_named_first_is_the_one_changed(agent: Agent) -> None:
    say(agent, "a red car")
    say(agent, "a blue boat")
    made = say(agent, "make #1 green like #2").images
    assert [(i.number, i.parent) for i in made] == [(3, 1)]
    assert "car" in made[0].prompt and "boat" not in made[0].prompt


def test_a_beautified_photo_is_drawn_from_its_pixels(agent: Agent) -> None:
    say(agent, "", pictures=[png((0, 0, 250))])
    made = say(agent, "beautify").images
    assert [(i.number, i.parent) for i in made] == [(2, 1)]
    # the recipe the user is shown says it was drawn from the photo (a strength), not noise
    assert "strength 0.5" in say(agent, "/info 2").text
