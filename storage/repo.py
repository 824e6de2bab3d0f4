"""Repository functions: the only place that queries or writes rows.

Each takes an open :class:`~sqlalchemy.orm.Session` (from ``Database.session()``) so a
caller decides what one transaction covers; a turn commits each message, tool call and
image as it happens.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import (
    IMAGE_KINDS,
    MESSAGE_ROLES,
    Conversation,
    Image,
    Message,
    Reference,
    User,
    utcnow,
)

# ---------------------------------------------------------------------------- users


def get_or_create_user(s: Session, external_id: str, name: str | None = None) -> User:
    user = s.execute(select(User).where(User.external_id == external_id)).scalar_one_or_none()
    if user is None:
        user = User(external_id=external_id, name=name)
        s.add(user)
        s.flush()
    elif name and user.name != name:
        user.name = name
    return user


def get_user(s: Session, external_id: str) -> User | None:
    return s.execute(select(User).where(User.external_id == external_id)).scalar_one_or_none()


def usage_counts(s: Session) -> dict[str, int]:
    """How much the service holds: users, conversations, messages and images."""
    return {
        name: s.execute(select(func.count(table.id))).scalar_one()
        for name, table in (("users", User), ("conversations", Conversation),
                            ("messages", Message), ("images", Image))
    }


# ---------------------------------------------------------------------- conversations


def new_conversation(s: Session, user: User, title: str | None = None) -> Conversation:
    conv = Conversation(user_id=user.id, title=title, settings={})
    s.add(conv)
    s.flush()
    return conv


def latest_conversation(s: Session, user: User) -> Conversation | None:
    """The conversation the user touched last (a new or reopened one comes first)."""
    return s.execute(
        select(Conversation)
        .where(Conversation.user_id == user.id)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def touch_conversation(s: Session, conv: Conversation) -> None:
    """Make ``conv`` the user's current conversation again."""
    conv.updated_at = utcnow()


def current_conversation(s: Session, user: User) -> Conversation:
    """The user's latest conversation, started if they have none."""
    return latest_conversation(s, user) or new_conversation(s, user)


def get_conversation(s: Session, conversation_id: int, user: User | None = None) -> Conversation:
    conv = s.get(Conversation, conversation_id)
    if conv is None or (user is not None and conv.user_id != user.id):
        raise LookupError(f"conversation {conversation_id} not found")
    return conv


def list_conversations(s: Session, user: User) -> list[Conversation]:
    return list(
        s.execute(
            select(Conversation).where(Conversation.user_id == user.id).order_by(Conversation.id)
        ).scalars()
    )


def update_settings(s: Session, conv: Conversation, **changes: Any) -> dict[str, Any]:
    """Merge generation settings (``None`` removes a key); returns the new settings."""
    merged = dict(conv.settings or {})
    for k, v in changes.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    conv.settings = merged
    conv.updated_at = utcnow()
    return merged


def set_current_image(s: Session, conv: Conversation, image: Image | None) -> None:
    if image is not None and image.conversation_id != conv.id:
        raise ValueError("image belongs to another conversation")
    conv.current_image_id = image.id if image is not None else None
    conv.updated_at = utcnow()


# --------------------------------------------------------------------------- messages


def add_message(
    s: Session,
    conv: Conversation,
    role: str,
    content: str = "",
    *,
    tool_calls: list[dict[str, Any]] | None = None,
    tool_call_id: str | None = None,
    name: str | None = None,
    image_ids: list[int] | None = None,
) -> Message:
    if role not in MESSAGE_ROLES:
        raise ValueError(f"unknown message role {role!r}")
    msg = Message(
        conversation_id=conv.id,
        role=role,
        content=content,
        tool_calls=tool_calls,
        tool_call_id=tool_call_id,
        name=name,
        image_ids=image_ids,
    )
    s.add(msg)
    conv.updated_at = utcnow()
    s.flush()
    return msg


def recent_messages(s: Session, conv: Conversation, limit: int = 20) -> list[Message]:
    """The last ``limit`` messages, oldest first."""
    rows = s.execute(
        select(Message)
        .where(Message.conversation_id == conv.id)
        .order_by(Message.id.desc())
        .limit(limit)
    ).scalars()
    return list(reversed(list(rows)))


def count_messages(s: Session, conv: Conversation | None = None) -> int:
    q = select(func.count(Message.id))
    if conv is not None:
        q = q.where(Message.conversation_id == conv.id)
    return s.execute(q).scalar_one()


# ----------------------------------------------------------------------------- images


def add_image(
    s: Session,
    conv: Conversation,
    *,
    file: str,
    kind: str,
    width: int,
    height: int,
    parent: Image | None = None,
    prompt: str | None = None,
    negative_prompt: str | None = None,
    seed: int | None = None,
    model: str | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    tool: str | None = None,
    extra: dict[str, Any] | None = None,
    make_current: bool = True,
) -> Image:
    """Add the conversation's next numbered image (and by default make it current)."""
    if kind not in IMAGE_KINDS:
        raise ValueError(f"unknown image kind {kind!r}")
    if parent is not None and parent.conversation_id != conv.id:
        raise ValueError("parent image belongs to another conversation")
    # serialise numbering per conversation: a row lock on PostgreSQL; SQLite's
    # BEGIN IMMEDIATE already holds the write lock (FOR UPDATE is ignored there)
    s.execute(select(Conversation.id).where(Conversation.id == conv.id).with_for_update())
    number = (
        s.execute(
            select(func.coalesce(func.max(Image.number), 0)).where(
                Image.conversation_id == conv.id
            )
        ).scalar_one()
        + 1
    )
    image = Image(
        conversation_id=conv.id,
        number=number,
        parent_id=parent.id if parent is not None else None,
        kind=kind,
        prompt=prompt,
        negative_prompt=negative_prompt,
        seed=seed,
        model=model,
        steps=steps,
        guidance=guidance,
        width=width,
        height=height,
        tool=tool,
        file=file,
        extra=extra or {},
    )
    s.add(image)
    s.flush()
    if make_current:
        set_current_image(s, conv, image)
    return image


def get_image(s: Session, conv: Conversation, number: int) -> Image | None:
    """Image ``#number`` of this conversation (never another conversation's)."""
    return s.execute(
        select(Image).where(Image.conversation_id == conv.id, Image.number == number)
    ).scalar_one_or_none()


def list_images(s: Session, conv: Conversation) -> list[Image]:
    return list(
        s.execute(
            select(Image).where(Image.conversation_id == conv.id).order_by(Image.number)
        ).scalars()
    )


def lineage(s: Session, image: Image) -> list[Image]:
    """The image and its ancestors, newest first."""
    chain = [image]
    while chain[-1].parent_id is not None:
        parent = s.get(Image, chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
    return chain


# ------------------------------------------------------------------------- references


def add_reference(
    s: Session, conv: Conversation, image: Image, source: str, caption: str | None = None
) -> Reference:
    ref = Reference(conversation_id=conv.id, image_id=image.id, source=source, caption=caption)
    s.add(ref)
    s.flush()
    return ref


def list_references(s: Session, conv: Conversation) -> list[Reference]:
    return list(
        s.execute(
            select(Reference).where(Reference.conversation_id == conv.id).order_by(Reference.id)
        ).scalars()
    )
