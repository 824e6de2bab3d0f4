"""The Gradio page of the web chat (:func:`build`); the handlers' logic is in channels/web.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home, ever

import gradio as gr  # noqa: E402

from channels.web import (  # noqa: E402
    MAX_TEXT,
    SIZES,
    Message,
    WebChat,
    parse_option,
    settings_commands,
)

CSS = """
#imagechat-chat img { max-height: 420px; min-width: 192px; object-fit: contain;
                      image-rendering: auto; }
footer { display: none !important; }
"""
PLACEHOLDER = ("**Describe a picture** — *a red car*, *一只猫坐在沙发上* — then say what to "
               "change: *make it blue*, *add a red hat*. Drop or paste a photo to edit it.")

STOPPED = "Stopped: the picture was cancelled and nothing new was made."
Outputs = tuple[Any, ...]


def build(chat: WebChat, title: str = "imagechat") -> gr.Blocks:
    """The page: a chat with a message box, and a sidebar of conversations, settings and
    the pictures of the current conversation."""
    # Gradio's cache of shown pictures and uploads: files older than a day are dropped
    # hourly (a page that still shows one gets it again from the staged copy on reload)
    with gr.Blocks(title=title, fill_height=True, analytics_enabled=False,
                   delete_cache=(3600, 86400)) as demo:
        shown = gr.State([])  # the messages on screen (the chatbot's value, server side)
        conv = gr.State(None)  # the conversation they belong to
        with gr.Sidebar(label="imagechat", open=True, width=300):
            gr.Markdown("### Conversations")
            chats = gr.Radio(choices=[], show_label=False, elem_id="imagechat-chats")
            new_btn = gr.Button("+ New conversation", size="sm", elem_id="imagechat-new")
            gr.Markdown("### Pictures")
            tree = gr.Markdown("_No pictures yet._", elem_id="imagechat-tree")
            with gr.Accordion("Settings", open=False):
                size = gr.Dropdown(SIZES, value="", label="Size (or WxH)",
                                   allow_custom_value=True)
                steps = gr.Textbox(label="Steps", max_lines=1, placeholder="e.g. 25")
                negative = gr.Textbox(label="Negative prompt", max_lines=2,
                                      placeholder="e.g. blurry, text")
                seed = gr.Textbox(label="Seed", max_lines=1, placeholder="-1: random")
                apply = gr.Button("Apply", size="sm")
                current = gr.Markdown(elem_id="imagechat-settings")
        chatbot = gr.Chatbot(elem_id="imagechat-chat", show_label=False, height="75vh",
                             placeholder=PLACEHOLDER, feedback_options=None, buttons=["copy"],
                             layout="bubble")
        box = gr.MultimodalTextbox(
            placeholder="Describe a picture, say what to change, or drop a photo here…",
            show_label=False, sources=["upload"], file_count="multiple", stop_btn=True,
            max_plain_text_length=MAX_TEXT, autofocus=True, elem_id="imagechat-box")

        outputs = [chatbot, shown, conv, chats, tree, current]

        def side(user: str) -> Outputs:
            choices, selected, history, settings = chat.side(user)
            return gr.Radio(choices=choices, value=selected), history, settings

        def run(request: gr.Request, history: list[Message], conv_id: int | None, text: str, *,
                files: list[str] | None = None, image_id: int | None = None,
                user_shows: list[Message] | None = None) -> Iterator[Outputs]:
            try:
                user = chat.user_of(request)
            except PermissionError:
                yield (gr.skip(),) * len(outputs)
                return
            if user_shows is None:
                user_shows = [{"role": "user", "content": {"path": f}} for f in files or []]
                if text.strip():
                    user_shows.append({"role": "user", "content": text})
            skip = (gr.skip(),) * 3
            reply = None
            messages: list[Message] = []
            for messages, reply in chat.exchange(user, history, user_shows, text, files=files,
                                                 image_id=image_id):
                if reply is None:
                    yield (messages, gr.skip(), gr.skip(), *skip)
            if reply is None:
                return
            if reply.conversation_id is not None and reply.conversation_id != conv_id:
                if conv_id is not None:  # another conversation: show its pictures
                    messages = chat.recap(user) + messages[len(history):]
                conv_id = reply.conversation_id
            yield (messages, messages, conv_id, *side(user))

        def send(message: dict | None, history: list[Message], conv_id: int | None,
                 request: gr.Request) -> Iterator[Outputs]:
            message = message or {}
            text = str(message.get("text") or "")
            files = [str(f) for f in message.get("files") or []]
            if not text.strip() and not files:
                yield (gr.skip(),) * len(outputs)
                return
            yield from run(request, history, conv_id, text, files=files)

        def pick(history: list[Message], conv_id: int | None, evt: gr.SelectData,
                 request: gr.Request) -> Iterator[Outputs]:
            parsed = parse_option(str(evt.value))
            if parsed is None:
                yield (gr.skip(),) * len(outputs)
                return
            image_id, command = parsed
            yield from run(request, history, conv_id, command, image_id=image_id)

        def open_chat(number: str | None, history: list[Message], conv_id: int | None,
                      request: gr.Request) -> Iterator[Outputs]:
            if number:
                yield from run(request, history, conv_id, f"/open {number}")

        def new_chat(history: list[Message], conv_id: int | None,
                     request: gr.Request) -> Iterator[Outputs]:
            yield from run(request, [], conv_id, "/new")

        def apply_settings(size_v: str, steps_v: str, negative_v: str, seed_v: str,
                           history: list[Message], conv_id: int | None,
                           request: gr.Request) -> Iterator[Outputs]:
            commands = settings_commands(size_v, steps_v, negative_v, seed_v)
            if not commands:
                commands = ["/settings"]
            for command in commands:
                for out in run(request, history, conv_id, command):
                    yield out
                    if isinstance(out[1], list):
                        history, conv_id = out[1], out[2]

        def load(request: gr.Request) -> Outputs:
            try:
                user = chat.user_of(request)
            except PermissionError:
                return (gr.skip(),) * len(outputs)
            messages = chat.recap(user)
            return (messages, messages, None, *side(user))

        clear_box = {"fn": lambda: gr.MultimodalTextbox(value=None), "outputs": [box],
                     "queue": False}
        submitted = box.submit(send, [box, shown, conv], outputs, show_progress="hidden")
        box.submit(**clear_box)
        picked = chatbot.option_select(pick, [shown, conv], outputs, show_progress="hidden")
        opened = chats.input(open_chat, [chats, shown, conv], outputs, show_progress="hidden")
        started = new_btn.click(new_chat, [shown, conv], outputs, show_progress="hidden")
        applied = apply.click(apply_settings, [size, steps, negative, seed, shown, conv],
                              outputs, show_progress="hidden")
        def stopped(history: list[Message], request: gr.Request) -> list[Message]:
            chat.stop(chat.user_of(request))  # the job itself stops, not only the waiting
            return history + [{"role": "assistant", "content": STOPPED}]

        box.stop(stopped, [shown], [chatbot], queue=False,
                 cancels=[submitted, picked, opened, started, applied])
        demo.load(load, None, outputs)
    return demo
