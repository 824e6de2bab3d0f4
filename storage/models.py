"""SQLAlchemy 2.x tables: users, conversations, messages, images, references.

An image row holds the whole recipe that made it, so "same but seed 7" or "back to #2"
are pointer moves plus a new job, and any picture can be reproduced.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SCHEMA_VERSION = 1

IMAGE_KINDS = ("generated", "edited", "uploaded", "retrieved")
MESSAGE_ROLES = ("user", "assistant", "tool")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Meta(Base):
    """Key/value facts about the database itself (``schema_version``)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    # "<channel>:<id>", e.g. "telegram:12345" or "cli:alice"
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    conversations: Mapped[list[Conversation]] = relationship(
        back_populates="user", order_by="Conversation.id"
    )


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(256))
    current_image_id: Mapped[int | None] = mapped_column(
        ForeignKey("images.id", use_alter=True, name="fk_conv_current_image", ondelete="SET NULL")
    )
    # per-conversation generation settings the user chose: seed, width, height, steps,
    # guidance, negative_prompt
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="conversations")
    current_image: Mapped[Image | None] = relationship(foreign_keys=[current_image_id])
    images: Mapped[list[Image]] = relationship(
        foreign_keys="Image.conversation_id", order_by="Image.number", back_populates="conversation"
    )


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))  # user | assistant | tool
    content: Mapped[str] = mapped_column(Text, default="")
    # assistant messages: [{"id", "name", "args"}]; tool messages: the id they answer
    tool_calls: Mapped[list[Any] | None] = mapped_column(JSON)
    tool_call_id: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(64))  # tool name for tool messages
    # image ids this message carried (uploads) or produced (tool results)
    image_ids: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Image(Base):
    __tablename__ = "images"
    __table_args__ = (UniqueConstraint("conversation_id", "number", name="uq_image_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # #1, #2, ... per conversation
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("images.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # generated | edited | uploaded | retrieved
    prompt: Mapped[str | None] = mapped_column(Text)
    negative_prompt: Mapped[str | None] = mapped_column(Text)
    seed: Mapped[int | None] = mapped_column(Integer)
    model: Mapped[str | None] = mapped_column(String(256))
    steps: Mapped[int | None] = mapped_column(Integer)
    guidance: Mapped[float | None] = mapped_column()
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    tool: Mapped[str | None] = mapped_column(String(64))  # generate, img2img, instruct, ...
    file: Mapped[str] = mapped_column(String(256))  # path relative to the image store
    # anything else of the recipe: strength, original (untranslated) text, source path, refs
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(
        foreign_keys=[conversation_id], back_populates="images"
    )
    parent: Mapped[Image | None] = relationship(remote_side=[id])

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)


class Reference(Base):
    """An image the user pointed us at (upload, retrieved result) to reuse later."""

    __tablename__ = "references"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))  # upload | retrieved
    caption: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    image: Mapped[Image] = relationship()
