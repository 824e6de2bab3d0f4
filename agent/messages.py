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
    "lin_region": ("region edit of #{n}", "#{n} 的局部重绘"),
    "lin_zoom_out": ("zoomed out from #{n}", "#{n} 拉远"),
    "lin_pan": ("extended from #{n}", "#{n} 的扩展"),
    "lin_upscale": ("upscaled from #{n}", "#{n} 的放大"),
    "lin_vary": ("varied from #{n}", "#{n} 的微调"),
    "lin_blend": ("blend starting from #{n}", "以 #{n} 开头的融合"),
    # the pixel tools: what was done
    "did_region": ("Repainted only {what} in #{n}; every other pixel is unchanged. Here is "
                   "{desc}", "只重画了 #{n} 里的“{what}”，其他像素不变。这是 {desc}"),
    "did_zoom": ("Zoomed out of #{n} {factor}x (the original is unchanged in the centre). "
                 "Here is {desc}",
                 "已把 #{n} 拉远 {factor} 倍（原图在中间，保持不变）。这是 {desc}"),
    "did_pan": ("Extended #{n} {direction}. Here is {desc}",
                "已把 #{n} {direction}扩展。这是 {desc}"),
    "dir_left": ("to the left", "向左"),
    "dir_right": ("to the right", "向右"),
    "dir_up": ("upwards", "向上"),
    "dir_down": ("downwards", "向下"),
    "dir_wider": ("on both sides (wider)", "向左右两边"),
    "dir_taller": ("at the top and bottom (taller)", "向上下两边"),
    "did_upscale": ("Upscaled #{n} {factor}x ({how}). Here is {desc}",
                    "已把 #{n} 放大 {factor} 倍（{how}）。这是 {desc}"),
    "how_model": ("model {model}", "模型 {model}"),
    "how_lanczos": ("Lanczos: this profile has no upscaler", "Lanczos：这个配置没有放大模型"),
    "how_lanczos_because": ("Lanczos: {why}", "Lanczos：{why}"),
    "did_vary": ("A {kind} variation of #{n}, drawn from its pixels. Here is {desc}",
                 "#{n} 的{kind}（从它的像素重画）。这是 {desc}"),
    "vary_subtle": ("subtle", "微调"),
    "vary_strong": ("strong", "大改"),
    "did_blend": ("Blended {sources} ({how}). Here is {desc}",
                  "已融合 {sources}（{how}）。这是 {desc}"),
    "blend_ip": ("IP-Adapter with every picture as a reference", "IP-Adapter，每张图都作为参考"),
    "blend_average": ("this profile has no IP-Adapter: the pictures' average, redrawn",
                      "这个配置没有 IP-Adapter：把几张图平均后重画"),
    "blend_count": ("Name 2 to {most} different pictures to blend, e.g. 'blend #1 and #3'.",
                    "请指定 2 到 {most} 张不同的图片来融合，例如：把#1和#3融合。"),
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
    """'zh' for a message with Chinese characters, else 'en'; a sentence built in English
    with a Chinese word in it ("天气 change to snowing") is answered in English."""
    if not has_cjk(text or ""):
        return "en"
    from tools.spelling import code_switched

    return "zh" if has_cjk(code_switched(text)) else "en"


def msg(key: str, lang: str = "en", **values: Any) -> str:
    en, zh = MESSAGES[key]
    return (zh if lang == "zh" else en).format(**values)
