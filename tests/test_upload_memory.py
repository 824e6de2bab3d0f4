"""Uploads are decoded one at a time under a memory budget: a small file that decodes to
a huge picture cannot take the process's memory, alone or in an album."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from errors import InvalidInput
from tools.validate import MemoryBudget, image_size

ROOT = Path(__file__).resolve().parents[1]


def big_png(side: int = 7000) -> bytes:
    """A 7000x7000 PNG of one colour: ~160 KB on the wire, ~380 MB to decode."""
    buf = io.BytesIO()
    Image.new("RGB", (side, side), (20, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()


def test_the_size_is_read_from_the_header_and_a_bomb_refused_without_decoding() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (300, 200), "red").save(buf, format="PNG")
    assert image_size(buf.getvalue(), "p.png") == (300, 200)
    bomb = bytearray(buf.getvalue())  # its IHDR chunk says 300x200 ...
    bomb[16:24] = (60000).to_bytes(4, "big") + (60000).to_bytes(4, "big")
    bomb[29:33] = zlib.crc32(bytes(bomb[12:29])).to_bytes(4, "big")
    with pytest.raises(InvalidInput, match="pixels"):  # ... now 60000x60000: refused
        image_size(bytes(bomb), "bomb.png")
    with pytest.raises(InvalidInput, match="not an image"):
        image_size(b"hello", "note.txt")


def test_decodes_wait_for_the_budget_and_one_that_never_fits_is_refused() -> None:
    budget = MemoryBudget(100)
    order: list[str] = []
    with budget.hold(70):
        def second() -> None:
            with budget.hold(50):
                order.append("second")
        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.2)
        assert order == []  # 70 + 50 > 100: it waits
        order.append("first done")
    waiter.join(5)
    assert order == ["first done", "second"] and budget.used == 0
    with pytest.raises(InvalidInput, match="limit is"), budget.hold(101, "a.png"):
        pass


ALBUM = """
import json, resource, sys
from settings import Settings
from agent.engine import Agent, UPLOAD_MEMORY_BUDGET
from agent.types import Attachment, Turn
data = open(sys.argv[1], "rb").read()
small = open(sys.argv[2], "rb").read()
agent = Agent(Settings.load(home=sys.argv[3]))
agent.handle_turn(Turn(user="cli:m", text="a cat"))                   # models loaded
agent.handle_turn(Turn(user="cli:m", text="", attachments=[Attachment(small, "s.png")]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
reply = agent.handle_turn(Turn(user="cli:m", text="",
                               attachments=[Attachment(data, f"{i}.png") for i in range(10)]))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
from storage.models import Image
with agent.storage.db.session() as s:
    stored = s.query(Image).filter(Image.kind == "uploaded", Image.width == 7000).count()
print(json.dumps({"error": reply.error, "text": reply.text, "grew": peak - before,
                  "budget": UPLOAD_MEMORY_BUDGET, "stored": stored}))
"""


@pytest.mark.slow
def test_an_album_of_ten_huge_pictures_stays_under_the_budget(tmp_path: Path,
                                                              model_cache: Path) -> None:
    (tmp_path / "big.png").write_bytes(big_png())
    small = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(small, format="PNG")
    (tmp_path / "small.png").write_bytes(small.getvalue())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "IMAGECHAT_PROFILE": "tiny",
           "IMAGECHAT_DEVICE": "cpu", "IMAGECHAT_MODEL_CACHE": str(model_cache),
           "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    env.pop("IMAGECHAT_BROKER_URL", None)
    out = subprocess.run([sys.executable, "-c", ALBUM, str(tmp_path / "big.png"),
                          str(tmp_path / "small.png"), str(tmp_path / "home")],
                         capture_output=True, text=True, env=env, timeout=600, cwd=str(ROOT))
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert not result["error"], result["text"]
    assert result["stored"] == 10  # every picture kept whole
    # ten pictures of ~380 MB each decoded at once would take ~3.8 GB; one at a time
    # under the budget, the whole album grew the process by less than the budget
    assert result["grew"] < result["budget"], result
