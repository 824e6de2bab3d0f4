"""What the agent says about pictures, in English and Chinese: the language of the user's
message picks one, so a Chinese conversation is answered in Chinese.

Each entry is ``key: (English, Chinese)``, a ``str.format`` template; :func:`msg` fills one.
"""

from __future__ import annotations

from typing import Any

from tools.text import has_cjk

MESSAGES: dict[str, tuple[str, str]] = {
    # pictures made
    "here_is": ("Here is {desc}", "这是 {desc}"),
    "here_are": ("Here are:\n{lines}", "这些是：\n{lines}"),
    "saved_reference": ("Saved as a reference: {desc}", "已保存为参考图：{desc}"),
    "seed": ("seed {seed}", "种子 {seed}"),
    "your_picture": ("your picture", "你的图片"),
    "no_prompt": ("(no prompt)", "（无提示词）"),
    # lineage, as the caption and history show it
    "lin_refine": ("refined from #{n}", "由 #{n} 修改"),
    "lin_beautify": ("beautified from #{n}", "由 #{n} 美化"),
    "lin_variations": ("variation of #{n}", "#{n} 的变体"),
    "lin_img2img": ("drawn from #{n}", "以 #{n} 为底图"),
    "lin_instruct": ("edit of #{n}", "#{n} 的编辑"),
    "lin_restyle": ("restyled from #{n}", "#{n} 换了风格"),
    "lin_from": ("from #{n}", "来自 #{n}"),
    # pointer moves and looking back
    "undo_nothing": ("There is nothing to undo yet.", "还没有可以撤销的。"),
    "undo_first": ("#{n} is the first image; nothing before it.", "#{n} 是第一张，前面没有了。"),
    "back_to": ("Back to {desc}. Your next change starts from it.",
                "回到 {desc}。下次修改从这张开始。"),
    "now_on": ("Now on {desc}.", "现在是 {desc}。"),
    "history_empty": ("No images yet in this conversation.", "这个对话还没有图片。"),
    "history_head": ("Images in this conversation:", "这个对话的图片："),
    "seed_of": ("#{n} was made with seed {seed}.", "#{n} 的种子是 {seed}。"),
    "prompt_of": ("The prompt of #{n}: {prompt}", "#{n} 的提示词：{prompt}"),
    "no_seed_photo": ("#{n} has no seed: it is a picture you gave me.",
                      "#{n} 没有种子：它是你发给我的图片。"),
    "no_prompt_photo": ("#{n} has no prompt: it is a picture you gave me.",
                        "#{n} 没有提示词：它是你发给我的图片。"),
    "unchanged": ("That would not change #{n}: its prompt stays \"{prompt}\", so I made no new "
                  "picture. Tell me what to change, e.g. 'make it night' or 'add a red hat'.",
                  "这样 #{n} 不会有变化：提示词仍是“{prompt}”，所以没有生成新图。"
                  "告诉我要改什么，比如：变成夜晚、加一顶红帽子。"),
    "settings": ("Settings: {shown}.", "设置：{shown}。"),
    # errors about picture numbers
    "no_image_yet": ("There is no image yet. Describe what you'd like to see.",
                     "还没有图片。描述一下你想看到的画面。"),
    "bad_number": ("There is no image #{n}: pictures are numbered from #1 (say 'history' to "
                   "see them).", "没有 #{n}：图片从 #1 开始编号（说“历史”可以查看）。"),
    "no_such_image": ("There is no image #{n} in this conversation ({have}).",
                      "这个对话里没有 #{n}（{have}）。"),
    "have_range": ("you have #{a}–#{b}", "现有 #{a}–#{b}"),
    "have_one": ("you have #{a}", "只有 #{a}"),
    "have_none": ("there are no images yet", "还没有图片"),
}


def lang_of(text: str) -> str:
    """'zh' for a message with Chinese characters, else 'en'."""
    return "zh" if has_cjk(text or "") else "en"


def msg(key: str, lang: str = "en", **values: Any) -> str:
    en, zh = MESSAGES[key]
    return (zh if lang == "zh" else en).format(**values)
