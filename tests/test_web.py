"""The web chat (``bot.py web``): its handlers in-process with the real agent and the tiny
profile, and (marked ``browser``) the running page in headless Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image as PILImage

import bot
from agent.engine import Agent
from agent.types import Turn
from channels.web import (
    LOCAL_USER,
    Logins,
    WebChat,
    check_listen,
    parse_option,
    parse_users,
    settings_commands,
)
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "web-chat.png"


class SpyAgent:
    """The real agent, recording every turn it is handed."""

    def __init__(self, agent: Agent):
        self.agent = agent
        self.storage = agent.storage
        self.turns: list[Turn] = []

    def handle_turn(self, turn: Turn):  # noqa: ANN201
        self.turns.append(turn)
        return self.agent.handle_turn(turn)


@pytest.fixture
def spy(settings: Settings) -> SpyAgent:
    return SpyAgent(Agent(settings))


def say(chat: WebChat, user: str, text: str, history: list | None = None, *,
        files: list[str] | None = None, image_id: int | None = None):
    """Every (messages, reply) the page would show for one turn; the last has the reply."""
    shown = [{"role": "user", "content": text}]
    return list(chat.exchange(user, history or [], shown, text, files=files,
                              image_id=image_id))


def pictures(messages: list[dict]) -> list[tuple[str, str, list[dict]]]:
    """(file, caption, options) of every picture message."""
    out = []
    for m in messages:
        if isinstance(m["content"], list):
            file, caption = m["content"]
            out.append((file["path"], caption, m.get("options", [])))
    return out


def png(tmp_path: Path, name: str = "photo.png", size: tuple[int, int] = (96, 80)) -> Path:
    path = tmp_path / name
    ramp = PILImage.linear_gradient("L").resize(size)
    PILImage.merge("RGB", (ramp, ramp.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT),
                           PILImage.new("L", size, 160))).save(path)
    return path


# ------------------------------------------------------------------- handlers, fast
def test_a_turn_shows_the_picture_with_its_caption_and_live_progress(spy: SpyAgent) -> None:
    chat = WebChat(spy)
    steps = say(chat, LOCAL_USER, "a red car")
    statuses = [m[-1]["content"] for m, reply in steps if reply is None]
    assert statuses[0].startswith("⏳") and any("step" in s for s in statuses), statuses
    messages, reply = steps[-1]
    assert reply is not None and not reply.error
    assert messages[0] == {"role": "user", "content": "a red car"}
    [(file, caption, options)] = pictures(messages)
    with PILImage.open(file) as picture:  # a real picture, staged outside the image store
        assert picture.size == (reply.images[0].width, reply.images[0].height)
    assert Path(file).parent == chat.stage  # the image store itself is never handed out
    assert not Path(file).is_relative_to(spy.agent.settings.images_dir)
    assert caption.startswith("**#1**") and f"seed {reply.images[0].seed}" in caption
    assert "a red car" in caption
    assert {o["label"] for o in options} >= {"🎲 Variations", "↩ Undo"}
    assert spy.turns[0].user == LOCAL_USER and spy.turns[0].text == "a red car"


def test_a_suggestion_click_sends_its_command_about_that_picture(spy: SpyAgent) -> None:
    chat = WebChat(spy)
    messages, reply = say(chat, LOCAL_USER, "a red car")[-1]
    first = reply.images[0]
    options = pictures(messages)[0][2]
    variations = next(o for o in options if "Variations" in o["label"])
    image_id, command = parse_option(variations["value"])
    assert (image_id, command) == (first.image_id, "variations of #1")
    messages, reply = say(chat, LOCAL_USER, command, messages, image_id=image_id)[-1]
    assert (spy.turns[-1].text, spy.turns[-1].image_id) == ("variations of #1", first.image_id)
    assert "variation of #1" in pictures(messages)[-1][1]
    undo = next(o for o in pictures(messages)[-1][2] if "Undo" in o["label"])
    undo_id, undo_command = parse_option(undo["value"])
    assert undo_command == "/undo"
    messages = say(chat, LOCAL_USER, undo_command, messages, image_id=undo_id)[-1][0]
    assert "Back to #1" in messages[-1]["content"]
    messages, reply = say(chat, LOCAL_USER, "make it blue", messages)[-1]
    assert "**#3** · refined from #1" in pictures(messages)[-1][1]
    assert chat.history_tree(LOCAL_USER).count("**#") == 3
    assert "**#3** a blue car ← current" in chat.history_tree(LOCAL_USER)


def test_a_photo_is_an_edit_and_bad_input_gets_the_agents_message(spy: SpyAgent,
                                                                     tmp_path: Path) -> None:
    chat = WebChat(spy)
    messages, reply = say(chat, LOCAL_USER, "make it watercolor",
                          files=[str(png(tmp_path))])[-1]
    assert spy.turns[-1].attachments[0].data == png(tmp_path).read_bytes()
    assert "edit of #1" in pictures(messages)[-1][1] and "watercolor" in pictures(messages)[-1][1]
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    messages, reply = say(chat, LOCAL_USER, "edit this", files=[str(text)])[-1]
    assert reply.error and messages[-1]["content"].startswith("⚠️ notes.txt is not an image")
    huge = tmp_path / "huge.png"
    PILImage.new("1", (9000, 7000)).save(huge)  # 63 megapixels, a few kB on disk
    messages, reply = say(chat, LOCAL_USER, "make it blue", files=[str(huge)])[-1]
    assert reply.error and messages[-1]["content"].startswith("⚠️") and not pictures(messages)
    assert "huge.png" in messages[-1]["content"], messages[-1]["content"]
    messages, reply = say(chat, LOCAL_USER, "x" * 20_000)[-1]
    assert reply.error and "20,000 characters" in messages[-1]["content"]
    forged = say(chat, LOCAL_USER, "variations of #1", image_id=2**62)[-1][0]
    assert "not one of yours" in forged[-1]["content"]


def test_settings_and_conversations_go_through_the_agent(spy: SpyAgent) -> None:
    chat = WebChat(spy)
    assert settings_commands("512", "8", " blurry  text ", "-1") == [
        "/settings size 512", "/settings steps 8", "/settings negative blurry text",
        "/settings seed -1"]
    assert settings_commands("", None, "", " ") == []
    refused = say(chat, LOCAL_USER, settings_commands(None, "lots", None, None)[0])[-1]
    assert refused[1].error and refused[0][-1]["content"].startswith("⚠️")
    for command in settings_commands("128", "3", "", None):
        assert not say(chat, LOCAL_USER, command)[-1][1].error
    say(chat, LOCAL_USER, "a red car")
    say(chat, LOCAL_USER, "/new")
    say(chat, LOCAL_USER, "a boat")
    choices, current, tree, settings = chat.side(LOCAL_USER)
    assert [v for _, v in choices] == ["1", "2"] and current == "2"
    assert "a boat" in tree and "a red car" not in tree
    say(chat, LOCAL_USER, "/open 1")
    assert "a red car" in chat.history_tree(LOCAL_USER)
    recap = pictures(chat.recap(LOCAL_USER))
    assert len(recap) == 1 and "128×128" in recap[0][1]


def test_two_logged_in_users_never_see_each_others_conversations(spy: SpyAgent) -> None:
    chat = WebChat(spy, users={"ann": "pw-a", "bob": "pw-b"})
    ann = chat.user_of(SimpleNamespace(username="ann"))
    bob = chat.user_of(SimpleNamespace(username="bob"))
    assert (ann, bob) == ("web:ann", "web:bob")
    with pytest.raises(PermissionError):
        chat.user_of(SimpleNamespace(username="eve"))
    with pytest.raises(PermissionError):
        chat.user_of(SimpleNamespace(username=None))
    messages, reply = say(chat, ann, "a red car")[-1]
    assert "a red car" in chat.history_tree(ann) and chat.recap(ann)
    assert "a red car" not in chat.history_tree(bob) and chat.recap(bob) == []
    assert all("red car" not in label for label, _ in chat.side(bob)[0])
    # bob replaying ann's suggestion (a forged click) is refused and changes nothing
    value = pictures(messages)[0][2][0]["value"]
    image_id, command = parse_option(value)
    stolen = say(chat, bob, command, image_id=image_id)[-1]
    assert stolen[1].error and not pictures(stolen[0])
    assert chat.history_tree(ann).count("**#") == 1
    logins = Logins(chat.users)
    assert logins("ann", "pw-a") and not logins("ann", "pw-b") and not logins("eve", "")


def test_users_come_from_the_variable_or_a_file(tmp_path: Path) -> None:
    assert parse_users("ann:pw1, bob:p:w2") == {"ann": "pw1", "bob": "p:w2"}
    assert parse_users("") == {} and parse_users(None) == {}
    file = tmp_path / "users"
    file.write_text("# logins\nann:pw1\n\nbob:pw,with,commas\n")
    assert parse_users(str(file)) == {"ann": "pw1", "bob": "pw,with,commas"}
    with pytest.raises(ValueError, match="cannot read"):  # no colon: a file that is not there
        parse_users(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="entry 1"):
        parse_users("ann:")
    with pytest.raises(ValueError, match="entry 2"):
        parse_users("ann:pw,bad name:pw")


def test_it_refuses_to_listen_beyond_loopback_without_logins(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        settings: Settings) -> None:
    assert check_listen("127.0.0.1", {}) is None and check_listen("::1", {}) is None
    assert check_listen("localhost", {}) is None
    assert check_listen("0.0.0.0", {"ann": "pw"}) is None
    monkeypatch.delenv("IMAGECHAT_WEB_USERS", raising=False)
    code = bot.main(["web", "--host", "0.0.0.0", "--home", str(settings.home),
                     "--profile", "tiny", "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "refusing to listen on 0.0.0.0 without logins" in err and "IMAGECHAT_WEB_USERS" in err
    monkeypatch.setenv("IMAGECHAT_WEB_USERS", "ann:pw,bob")
    assert bot.main(["web", "--home", str(settings.home), "--profile", "tiny"]) == 2
    assert "entry 2 is not user:password" in capsys.readouterr().err


# --------------------------------------------------------------------- the browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def web_app(settings: Settings):
    """The app on a free loopback port with two logins; yields its URL."""
    pytest.importorskip("gradio")
    from channels.web import launch
    from channels.web_app import build

    chat = WebChat(Agent(settings), users={"ann": "pw-ann", "bob": "pw-bob"})
    demo = build(chat)
    port = _free_port()
    launch(demo, chat, host="127.0.0.1", port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def _login(browser, url: str, name: str, password: str,  # noqa: ANN001, ANN202
           height: int = 820):
    page = browser.new_page(viewport={"width": 1180, "height": height})
    page.set_default_timeout(30_000)
    page.goto(url)
    page.get_by_label("username").fill(name)
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="Login").click()
    page.locator("#imagechat-box textarea").wait_for()
    return page


def _send(page, text: str) -> None:  # noqa: ANN001
    box = page.locator("#imagechat-box textarea")
    box.fill(text)
    box.press("Enter")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_the_page_in_chromium(web_app: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    started = time.monotonic()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = _login(browser, web_app, "ann", "pw-ann", height=1000)
            chat = page.locator("#imagechat-chat")
            _send(page, "a red car")
            chat.locator("img").first.wait_for()
            sync_api.expect(chat).to_contain_text("#1")
            sync_api.expect(chat).to_contain_text("a red car")
            chat.get_by_role("button", name="Variations").last.click()
            sync_api.expect(chat).to_contain_text("variation of #1")
            chat.get_by_role("button", name="Undo").last.click()
            sync_api.expect(chat).to_contain_text("Back to #1")
            _send(page, "make it blue")
            sync_api.expect(chat).to_contain_text("refined from #1")
            sync_api.expect(chat).to_contain_text("a blue car")
            page.locator("#imagechat-box input[type=file]").set_input_files(str(png(tmp_path)))
            page.locator("#imagechat-box img").first.wait_for()  # the upload's thumbnail
            _send(page, "make it watercolor")
            sync_api.expect(chat).to_contain_text("edit of #4")
            assert chat.locator("img").count() >= 5  # 3 pictures, the upload, its edit
            sync_api.expect(page.locator("#imagechat-tree")).to_contain_text("#5")
            sync_api.expect(page.locator("#imagechat-chats")).to_contain_text("a red car")
            shot = tmp_path / "web-chat.png"
            page.screenshot(path=str(shot))
            if os.environ.get("IMAGECHAT_UPDATE_SCREENSHOT") or not SCREENSHOT.exists():
                shutil.copyfile(shot, SCREENSHOT)
            page.reload()  # a fresh page shows the conversation's pictures again
            sync_api.expect(chat).to_contain_text("edit of #4")
            sync_api.expect(chat).to_contain_text("refined from #1")

            other = _login(browser, web_app, "bob", "pw-bob")
            _send(other, "hello")
            sync_api.expect(other.locator("#imagechat-chat")).to_contain_text("hello")
            other.wait_for_timeout(500)
            assert "red car" not in other.locator("#imagechat-chat").inner_text()
            assert "red car" not in other.locator("#imagechat-chats").inner_text()
            assert "#1" not in other.locator("#imagechat-tree").inner_text()
        finally:
            browser.close()
    assert time.monotonic() - started < 60


def test_stop_cancels_the_users_running_picture(tmp_path) -> None:  # noqa: ANN001
    """The Stop button reaches the job, not only the page: nothing is made."""
    import threading

    from agent.engine import Agent
    from channels.web import WebChat
    from settings import Settings
    from tools.jobs import get_queue

    settings = Settings.load(env={}, home=tmp_path / "home", profile="tiny", device="cpu")
    chat = WebChat(Agent(settings))
    gate = threading.Event()
    blocker = get_queue(settings).submit(lambda ctx: gate.wait(30), label="blocker")
    events = []
    worker = threading.Thread(target=lambda: events.extend(chat.turn("web:ann", "a slow boat")))
    worker.start()
    try:
        for _ in range(100):  # wait until the turn is running
            if chat.stop("web:ann"):
                break
            threading.Event().wait(0.05)
        worker.join(30)
    finally:
        gate.set()
        blocker.result(30)
    reply = events[-1]
    assert not reply.images and "Stopped" in reply.text
    assert chat.stop("web:bob") == 0  # another user's Stop touches nothing
